import { and, eq, isNull, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { refreshTokens, sessions } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/tokens";
import {
	bearer,
	login,
	PASSWORD,
	refresh,
	refreshCookie,
	register,
	STOREFRONT,
	uniqueEmail,
	uniqueIp,
} from "./helpers/auth";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";

type Tokens = { accessToken: string; expiresIn: number; refreshToken?: string };

/** A browser session: registered with cookie delivery; returns the cookie value. */
async function browserSession(): Promise<string> {
	const res = await call(
		"/v1/auth/register",
		json(
			{ email: uniqueEmail("browser"), password: PASSWORD, name: "Browser" },
			{ headers: { "CF-Connecting-IP": uniqueIp(), Origin: STOREFRONT } },
		),
	);
	const cookie = refreshCookie(res)?.value;
	if (!cookie) throw new Error("no refresh cookie");
	return cookie;
}

/** Moves a rotated token's rotation `ms` into the past, to either side of the grace window. */
async function rotatedAgo(token: string, ms: number) {
	await testDb()
		.update(refreshTokens)
		.set({ usedAt: sql`now() - ${ms}::int * interval '1 millisecond'` })
		.where(eq(refreshTokens.tokenHash, await sha256Hex(token)));
}

const withCookie = (
	path: string,
	cookie: string,
	headers: Record<string, string> = {},
) =>
	call(path, {
		method: "POST",
		headers: {
			Cookie: `vs_refresh=${cookie}`,
			"CF-Connecting-IP": uniqueIp(),
			...headers,
		},
	});

describe("POST /v1/auth/refresh", () => {
	it("rotates a body-delivered token in one round trip and returns the successor in the body", async () => {
		const session = await register();
		const res = await refresh(session.refreshToken);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(refreshCookie(res)).toBeUndefined();
		const body = (await res.json()) as Tokens;
		expect(body).toEqual({
			accessToken: expect.any(String),
			expiresIn: 900,
			refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
		});
		expect(body.refreshToken).not.toBe(session.refreshToken);
		expect(
			(await call("/v1/me", { headers: bearer(body.accessToken) })).status,
		).toBe(200);
		expect((await refresh(body.refreshToken ?? "")).status).toBe(200);
	});

	it("rotates the cookie for browsers from an allowed Origin, keeping the session's absolute expiry", async () => {
		const cookie = await browserSession();
		const res = await withCookie("/v1/auth/refresh", cookie, {
			Origin: STOREFRONT,
		});
		expect(res.status).toBe(200);
		const next = refreshCookie(res);
		expect(next?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(next?.value).not.toBe(cookie);
		const maxAge = Number(
			next?.attributes.find((a) => a.startsWith("Max-Age="))?.slice(8),
		);
		expect(maxAge).toBeGreaterThan(2592000 - 60);
		expect(maxAge).toBeLessThanOrEqual(2592000);
		expect(await res.json()).not.toHaveProperty("refreshToken");
	});

	it("answers 403 FORBIDDEN for a cookie request from another site's Origin, leaving the token usable", async () => {
		const cookie = await browserSession();
		const res = await withCookie("/v1/auth/refresh", cookie, {
			Origin: "https://evil.example",
		});
		await expectError(res, 403, "FORBIDDEN");
		expect((await withCookie("/v1/auth/refresh", cookie)).status).toBe(200);
	});

	it("answers 401 INVALID_REFRESH_TOKEN with no token, a malformed one or an unknown one", async () => {
		await expectError(
			await call("/v1/auth/refresh", { method: "POST" }),
			401,
			"INVALID_REFRESH_TOKEN",
		);
		const malformed = await refresh("not a token");
		await expectError(malformed, 401, "INVALID_REFRESH_TOKEN");
		expect(dbRoundTrips(malformed)).toBe(0);
		await expectError(
			await refresh("A".repeat(43)),
			401,
			"INVALID_REFRESH_TOKEN",
		);
	});

	it("revokes the whole session when a rotated token is reused after the grace window: the newest token stops working too", async () => {
		const session = await register();
		const first = (await (
			await refresh(session.refreshToken)
		).json()) as Tokens;
		await rotatedAgo(session.refreshToken, 31_000);
		const reuse = await refresh(session.refreshToken);
		await expectError(reuse, 401, "INVALID_REFRESH_TOKEN");
		expect(dbRoundTrips(reuse)).toBeLessThanOrEqual(2);
		await expectError(
			await refresh(first.refreshToken ?? ""),
			401,
			"INVALID_REFRESH_TOKEN",
		);
		const rows = await testDb()
			.select({ reason: sessions.revokedReason })
			.from(sessions)
			.where(eq(sessions.userId, session.userId));
		expect(rows).toEqual([{ reason: "reuse_detected" }]);
	});

	it("within the grace window, answers a just-rotated token with the same successor instead of revoking", async () => {
		const session = await register();
		const first = (await (
			await refresh(session.refreshToken)
		).json()) as Tokens;
		await rotatedAgo(session.refreshToken, 29_000);
		const again = await refresh(session.refreshToken);
		expect(again.status).toBe(200);
		expect(((await again.json()) as Tokens).refreshToken).toBe(
			first.refreshToken,
		);
		// The session lives on: the successor rotates normally.
		expect((await refresh(first.refreshToken ?? "")).status).toBe(200);
		const rows = await testDb()
			.select({ reason: sessions.revokedReason })
			.from(sessions)
			.where(eq(sessions.userId, session.userId));
		expect(rows).toEqual([{ reason: null }]);
	});

	it("keeps both tabs signed in when two refreshes of one token race (20 trials), minting one successor", async () => {
		const outcomes: string[] = [];
		for (let trial = 0; trial < 20; trial++) {
			const session = await register();
			const results = await Promise.all([
				refresh(session.refreshToken),
				refresh(session.refreshToken),
			]);
			const bodies = (await Promise.all(
				results.map((r) => r.json()),
			)) as Tokens[];
			const statuses = results.map((r) => r.status).join(",");
			if (
				statuses !== "200,200" ||
				bodies[0]?.refreshToken !== bodies[1]?.refreshToken
			)
				outcomes.push(`trial ${trial}: ${statuses}`);
		}
		expect(outcomes).toEqual([]);
	});

	it("mints at most one successor when the same token is submitted twice at once", async () => {
		const session = await register();
		const results = await Promise.all([
			refresh(session.refreshToken),
			refresh(session.refreshToken),
		]);
		expect(results.map((r) => r.status).sort()).toEqual([200, 200]);
		const live = await testDb()
			.select({ id: refreshTokens.id })
			.from(refreshTokens)
			.innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
			.where(
				and(
					eq(sessions.userId, session.userId),
					isNull(refreshTokens.usedAt),
					isNull(sessions.revokedAt),
				),
			);
		expect(live.length).toBeLessThanOrEqual(1);
	});

	it("answers 401 once the session's absolute 30-day lifetime is over", async () => {
		const session = await register();
		await testDb()
			.update(sessions)
			.set({
				createdAt: sql`now() - interval '31 days'`,
				expiresAt: sql`now() - interval '1 day'`,
			})
			.where(eq(sessions.userId, session.userId));
		await expectError(
			await refresh(session.refreshToken),
			401,
			"INVALID_REFRESH_TOKEN",
		);
	});
});

describe("POST /v1/auth/logout", () => {
	it("revokes the cookie's session, clears the cookie and answers 204", async () => {
		const cookie = await browserSession();
		const res = await withCookie("/v1/auth/logout", cookie, {
			Origin: STOREFRONT,
		});
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		const cleared = refreshCookie(res);
		expect(cleared?.value).toBe("");
		expect(cleared?.attributes).toEqual(
			expect.arrayContaining(["Max-Age=0", "Path=/v1/auth"]),
		);
		await expectError(
			await withCookie("/v1/auth/refresh", cookie),
			401,
			"INVALID_REFRESH_TOKEN",
		);
	});

	it("revokes a body-delivered token's session", async () => {
		const session = await register();
		const res = await call(
			"/v1/auth/logout",
			json({ refreshToken: session.refreshToken }),
		);
		expect(res.status).toBe(204);
		await expectError(
			await refresh(session.refreshToken),
			401,
			"INVALID_REFRESH_TOKEN",
		);
	});

	it("is idempotent: no token, an unknown token or a second logout all answer 204", async () => {
		expect((await call("/v1/auth/logout", { method: "POST" })).status).toBe(
			204,
		);
		const session = await register();
		for (let i = 0; i < 2; i++)
			expect(
				(
					await call(
						"/v1/auth/logout",
						json({ refreshToken: session.refreshToken }),
					)
				).status,
			).toBe(204);
		expect(
			(await call("/v1/auth/logout", json({ refreshToken: "B".repeat(43) })))
				.status,
		).toBe(204);
	});

	it("answers 403 FORBIDDEN from another site's Origin", async () => {
		const cookie = await browserSession();
		const res = await withCookie("/v1/auth/logout", cookie, {
			Origin: "https://evil.example",
		});
		await expectError(res, 403, "FORBIDDEN");
	});
});

describe("POST /v1/auth/logout-all", () => {
	it("revokes every session of the user in one round trip", async () => {
		const first = await register();
		const second = (await (await login(first.email)).json()) as Tokens;
		const res = await call("/v1/auth/logout-all", {
			method: "POST",
			headers: bearer(first.accessToken),
		});
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		await expectError(
			await refresh(first.refreshToken),
			401,
			"INVALID_REFRESH_TOKEN",
		);
		await expectError(
			await refresh(second.refreshToken ?? ""),
			401,
			"INVALID_REFRESH_TOKEN",
		);
	});

	it("leaves other users' sessions alone", async () => {
		const mine = await register();
		const theirs = await register();
		await call("/v1/auth/logout-all", {
			method: "POST",
			headers: bearer(mine.accessToken),
		});
		expect((await refresh(theirs.refreshToken)).status).toBe(200);
	});
});
