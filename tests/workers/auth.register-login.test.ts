import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { users } from "../../src/db/schema";
import { hashPassword } from "../../src/modules/auth/password";
import {
	bearer,
	login,
	PASSWORD,
	refreshCookie,
	register,
	uniqueEmail,
	uniqueIp,
} from "./helpers/auth";
import { testDb } from "./helpers/db";
import { BASE, call, dbRoundTrips, expectError, json } from "./helpers/http";

afterEach(() => vi.restoreAllMocks());

/** The single-call format stored before the chain (one PBKDF2-SHA256 of 100,000), made under Node. */
const LEGACY_HASH =
	"pbkdf2-sha256$100000$tDIUm/oDKSm8i7BuocBauw==$gjhN6VGGAlxx72nLIlfM8Fq8QsPCWHLLMnNnIHyelps=";
const LEGACY_PASSWORD = "node-made passphrase ✓";

const registerRequest = (body: Record<string, unknown>) =>
	call(
		"/v1/auth/register",
		json(
			{
				email: uniqueEmail(),
				password: PASSWORD,
				name: "Ada Lovelace",
				...body,
			},
			{ headers: { "CF-Connecting-IP": uniqueIp() } },
		),
	);

describe("POST /v1/auth/register", () => {
	it("creates a customer, sets the refresh cookie and enqueues a welcome email, in one round trip", async () => {
		const send = vi.spyOn(env.EMAIL_QUEUE, "send");
		const email = uniqueEmail("Ada");
		const res = await registerRequest({ email: `  ${email}  ` });
		expect(res.status).toBe(201);
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toEqual({
			user: {
				id: expect.any(String),
				email,
				name: "Ada Lovelace",
				role: "customer",
				createdAt: expect.any(String),
			},
			accessToken: expect.any(String),
			expiresIn: 900,
		});
		expect(JSON.stringify(body)).not.toMatch(/pbkdf2|passwordHash/);
		expect(dbRoundTrips(res)).toBe(1);
		expect(res.headers.get("Cache-Control")).toBe("no-store");

		const cookie = refreshCookie(res);
		expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(cookie?.attributes).toEqual(
			expect.arrayContaining([
				"Max-Age=2592000",
				"Path=/v1/auth",
				"HttpOnly",
				"Secure",
				"SameSite=Strict",
			]),
		);
		expect(send).toHaveBeenCalledWith(
			{
				template: "welcome",
				idempotencyKey: `welcome:${(body.user as { id: string }).id}`,
				to: { email, name: "Ada Lovelace" },
				data: {},
			},
			{ contentType: "json" },
		);
	});

	it("returns the refresh token in the body (and sets no cookie) when asked for body delivery", async () => {
		const res = await registerRequest({ refreshTokenDelivery: "body" });
		expect(res.status).toBe(201);
		expect(refreshCookie(res)).toBeUndefined();
		expect(await res.json()).toMatchObject({
			refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
		});
	});

	it("answers 409 EMAIL_TAKEN for the same email in another case or with spaces", async () => {
		const email = uniqueEmail("dup");
		expect((await registerRequest({ email })).status).toBe(201);
		const res = await registerRequest({ email: ` ${email.toUpperCase()} ` });
		await expectError(res, 409, "EMAIL_TAKEN");
	});

	it("creates one account when the same email registers five times at once", async () => {
		const email = uniqueEmail("race");
		const responses = await Promise.all(
			Array.from({ length: 5 }, (_, i) =>
				registerRequest({ email: i % 2 ? email.toUpperCase() : email }),
			),
		);
		expect(responses.map((r) => r.status).sort()).toEqual([
			201, 409, 409, 409, 409,
		]);
		for (const res of responses.filter((r) => r.status === 409))
			await expectError(res, 409, "EMAIL_TAKEN");
		const rows = await testDb()
			.select({ id: users.id })
			.from(users)
			.where(eq(sql`lower(${users.email})`, email.toLowerCase()));
		expect(rows).toHaveLength(1);
	});

	it("answers 400 WEAK_PASSWORD for a common password, in any case", async () => {
		for (const password of ["password1", "ILoveYou1", "qwertyuiop"]) {
			const res = await registerRequest({ password });
			await expectError(res, 400, "WEAK_PASSWORD");
		}
	});

	it("answers 400 WEAK_PASSWORD for the account's own email or the service name", async () => {
		const email = uniqueEmail("self");
		await expectError(
			await registerRequest({ email, password: email }),
			400,
			"WEAK_PASSWORD",
		);
		await expectError(
			await registerRequest({ password: "my-voidshop-pass" }),
			400,
			"WEAK_PASSWORD",
		);
	});

	it("answers 400 VALIDATION_FAILED for passwords under 8 or over 128 characters, and accepts a long passphrase", async () => {
		const short = await registerRequest({ password: "a1b2c3d" });
		const error = await expectError(short, 400, "VALIDATION_FAILED");
		expect(JSON.stringify(error.details)).toContain("password");
		await expectError(
			await registerRequest({ password: "x".repeat(129) }),
			400,
			"VALIDATION_FAILED",
		);
		expect(
			(await registerRequest({ password: "ünïcödé ".repeat(16) })).status,
		).toBe(201);
	});

	it("answers 400 VALIDATION_FAILED for a bad email, a missing name, or a server-owned field", async () => {
		await expectError(
			await registerRequest({ email: "not-an-email" }),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await registerRequest({ name: "  " }),
			400,
			"VALIDATION_FAILED",
		);
		const email = uniqueEmail("sneaky");
		const res = await registerRequest({ email, role: "admin" });
		const error = await expectError(res, 400, "VALIDATION_FAILED");
		expect(JSON.stringify(error.details)).toContain("role");
		const rows = await testDb()
			.select()
			.from(users)
			.where(eq(users.email, email));
		expect(rows).toEqual([]);
	});
});

describe("POST /v1/auth/login", () => {
	it("signs in case-insensitively within 2 round trips and the token authenticates with 0 auth round trips", async () => {
		const { email } = await register();
		const res = await login(`  ${email.toUpperCase()} `);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBeLessThanOrEqual(2);
		const body = (await res.json()) as {
			accessToken: string;
			user: { email: string };
		};
		expect(body.user.email).toBe(email);
		// GET /v1/me costs exactly its own query: authentication itself touched no database.
		const me = await call("/v1/me", { headers: bearer(body.accessToken) });
		expect(me.status).toBe(200);
		expect(dbRoundTrips(me)).toBe(1);
	});

	it("sets the refresh cookie by default", async () => {
		const { email } = await register();
		const res = await call(
			"/v1/auth/login",
			json(
				{ email, password: PASSWORD },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		expect(res.status).toBe(200);
		expect(refreshCookie(res)?.attributes).toContain("HttpOnly");
		expect(await res.json()).not.toHaveProperty("refreshToken");
	});

	it("answers the same 401 INVALID_CREDENTIALS for a wrong password, an unknown email and a disabled account", async () => {
		const { email } = await register();
		const disabled = await register();
		await testDb()
			.update(users)
			.set({ disabledAt: sql`now()` })
			.where(eq(users.id, disabled.userId));
		const answers = [];
		for (const [who, password] of [
			[email, "wrong-password-123"],
			[uniqueEmail("nobody"), PASSWORD],
			[disabled.email, PASSWORD],
		] as const) {
			const res = await login(who, password);
			const error = await expectError(res, 401, "INVALID_CREDENTIALS");
			answers.push({
				status: res.status,
				code: error.code,
				message: error.message,
			});
		}
		expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
	});

	it("upgrades an old single-call hash to the chained format on the next login, still within 2 round trips", async () => {
		const { userId, email } = await register();
		const db = testDb();
		// The format stored before the chain: one PBKDF2-SHA256 call of 100,000 (made under Node).
		await db
			.update(users)
			.set({ passwordHash: LEGACY_HASH })
			.where(eq(users.id, userId));
		const res = await login(email, LEGACY_PASSWORD);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(2);
		const [row] = await db.select().from(users).where(eq(users.id, userId));
		// The test env's cost (PASSWORD_HASH_ROUNDS=1); the production cost is the next test's.
		expect(row?.passwordHash).toMatch(
			/^pbkdf2-sha256-chain\$1x100000\$[^$]{24}\$[^$]{44}$/,
		);
		expect((await login(email, LEGACY_PASSWORD)).status).toBe(200);
		expect((await login(email, PASSWORD)).status).toBe(401);
	});

	it("at the production cost (6 rounds), registers with 600,000 iterations and upgrades a weaker hash at login", async () => {
		const production = { ...env, PASSWORD_HASH_ROUNDS: "6" };
		const send = (path: string, body: unknown) =>
			createApp().request(
				`${BASE}${path}`,
				json(body, { headers: { "CF-Connecting-IP": uniqueIp() } }),
				production,
			);
		const email = uniqueEmail();
		const created = await send("/v1/auth/register", {
			email,
			password: PASSWORD,
			name: "Production Cost",
		});
		expect(created.status).toBe(201);
		const db = testDb();
		const stored = async () =>
			(
				await db
					.select({ hash: users.passwordHash })
					.from(users)
					.where(sql`lower(${users.email}) = lower(${email})`)
			)[0]?.hash;
		expect(await stored()).toMatch(/^pbkdf2-sha256-chain\$6x100000\$/);
		// A hash at the test cost (1 round) is below production's: upgraded by the next login.
		await db
			.update(users)
			.set({ passwordHash: await hashPassword(PASSWORD, 1) })
			.where(sql`lower(${users.email}) = lower(${email})`);
		const started = Date.now();
		const signedIn = await send("/v1/auth/login", {
			email,
			password: PASSWORD,
		});
		const ms = Date.now() - started;
		expect(signedIn.status).toBe(200);
		expect(await stored()).toMatch(/^pbkdf2-sha256-chain\$6x100000\$/);
		expect(
			(await send("/v1/auth/login", { email, password: PASSWORD })).status,
		).toBe(200);
		console.log(`login at the production cost, upgrading the hash: ${ms} ms`);
	});

	it("answers 400 VALIDATION_FAILED for an extra field", async () => {
		const res = await call(
			"/v1/auth/login",
			json({ email: uniqueEmail(), password: PASSWORD, role: "admin" }),
		);
		await expectError(res, 400, "VALIDATION_FAILED");
	});
});
