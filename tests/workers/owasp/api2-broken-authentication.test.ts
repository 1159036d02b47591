import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { users } from "../../../src/db/schema";
import {
	bearer,
	login,
	PASSWORD,
	register,
	signToken,
	tamperedToken,
	uniqueIp,
	unsignedToken,
} from "../helpers/auth";
import { addItem } from "../helpers/cart";
import { someProduct } from "../helpers/catalog";
import { testDb } from "../helpers/db";
import { call, expectError, json } from "../helpers/http";
import { ADDRESS } from "../helpers/orders";

/**
 * OWASP API2:2023 Broken Authentication. Forged, tampered, expired and unsigned tokens on the
 * token verifier are in auth.tokens.test.ts, the refresh-token family and reuse detection in
 * auth.refresh.test.ts, login limits in auth.rate-limit.test.ts; here: what those leave open.
 */
const me = (token: string) => call("/v1/me", { headers: bearer(token) });

describe("API2 broken authentication", () => {
	it("accepts an access token only as a Bearer header: not in the query string, a cookie or without the scheme", async () => {
		const { accessToken } = await register();
		const attempts: { path: string; headers: Record<string, string> }[] = [
			{ path: `/v1/me?access_token=${accessToken}`, headers: {} },
			{ path: "/v1/me", headers: { Cookie: `access_token=${accessToken}` } },
			{ path: "/v1/me", headers: { Authorization: accessToken } },
			{ path: "/v1/me", headers: { Authorization: `Token ${accessToken}` } },
		];
		for (const init of attempts)
			await expectError(
				await call(init.path, { headers: init.headers }),
				401,
				"UNAUTHENTICATED",
			);
	});

	it("refuses algorithm confusion: alg none, HS512 with the same key, and an admin claim on an unsigned token", async () => {
		const key = new TextEncoder().encode(
			"test-jwt-secret-that-is-at-least-32-bytes-long",
		);
		const now = Math.floor(Date.now() / 1000);
		const hs512 = await new SignJWT({ role: "admin" })
			.setProtectedHeader({ alg: "HS512" })
			.setSubject(crypto.randomUUID())
			.setIssuer("voidshop-test")
			.setAudience("voidshop-test-api")
			.setIssuedAt(now)
			.setExpirationTime(now + 600)
			.sign(key);
		for (const token of [unsignedToken("admin"), hs512])
			await expectError(
				await call("/v1/admin/users", { headers: bearer(token) }),
				401,
				"UNAUTHENTICATED",
			);
	});

	it("refuses a genuine token with its expiry pushed back", async () => {
		const now = Math.floor(Date.now() / 1000);
		const expired = await signToken({ iat: now - 3600, exp: now - 60 });
		await expectError(
			await me(tamperedToken(expired, { exp: now + 3600 })),
			401,
			"UNAUTHENTICATED",
		);
	});

	it("does not take a refresh token as an access token, nor an access token as a refresh token", async () => {
		const session = await register();
		await expectError(await me(session.refreshToken), 401, "UNAUTHENTICATED");
		const res = await call(
			"/v1/auth/refresh",
			json(
				{ refreshToken: session.accessToken },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		// Not even the refresh token's shape (400), or no such token (401): never a session.
		expect([400, 401]).toContain(res.status);
		expect(res.headers.getSetCookie()).toEqual([]);
	});

	it("answers a wrong password and an unknown email alike (no account enumeration)", async () => {
		const { email } = await register();
		const ip = uniqueIp();
		const wrong = await expectError(
			await login(email, `${PASSWORD}-wrong`, ip),
			401,
			"INVALID_CREDENTIALS",
		);
		const unknown = await expectError(
			await login(`nobody-${crypto.randomUUID()}@example.com`, PASSWORD, ip),
			401,
			"INVALID_CREDENTIALS",
		);
		expect(unknown.message).toBe(wrong.message);
	});

	// Found by the fuzzer (tests/workers/fuzz.test.ts): these writes answered 500 when the
	// token's user row was gone (a foreign-key violation on user_id).
	it("answers 401, not 500, to a validly signed token of a deleted account on cart and address writes", async () => {
		const session = await register();
		const product = await someProduct();
		await testDb().delete(users).where(eq(users.id, session.userId));
		const cart = await addItem(product.variants[0]?.id ?? "", 1, {
			accessToken: session.accessToken,
		});
		expect(cart.headers.get("WWW-Authenticate")).toContain("Bearer");
		await expectError(cart, 401, "UNAUTHENTICATED");
		await expectError(
			await call(
				"/v1/me/addresses",
				json(ADDRESS, { headers: bearer(session.accessToken) }),
			),
			401,
			"UNAUTHENTICATED",
		);
		// A token of an id that never existed, too (an admin token's subject need not be a user).
		await expectError(
			await call(
				"/v1/me/addresses",
				json(ADDRESS, { headers: bearer(await signToken()) }),
			),
			401,
			"UNAUTHENTICATED",
		);
	});
});
