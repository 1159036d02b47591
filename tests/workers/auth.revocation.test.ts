import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { users } from "../../src/db/schema";
import {
	REVOCATION_MARKER_TTL_SECONDS,
	revokeAccessTokens,
} from "../../src/lib/revocation";
import { newAdmin } from "./helpers/admin";
import {
	bearer,
	login,
	PASSWORD,
	refresh,
	register,
	signToken,
	uniqueIp,
} from "./helpers/auth";
import { addItem, freshProduct } from "./helpers/cart";
import { testDb, testServices } from "./helpers/db";
import { BASE, call, dbRoundTrips, expectError, json } from "./helpers/http";
import { ADDRESS, checkout } from "./helpers/orders";
import { nextFetchTo, stallIsolate } from "./helpers/stall";

afterEach(() => vi.restoreAllMocks());

const faults = env as unknown as {
	TEST_FAULT_DEAD_URL: string;
	TEST_FAULT_HANG_URL: string;
};

const NEW_PASSWORD = "amber-lantern-canyon-77";

/** One request per guarded route class a customer's token reaches (account, addresses, cart, orders). */
const guardedWrites: [string, (token: string) => Promise<Response>][] = [
	[
		"PATCH /v1/me",
		(t) =>
			call(
				"/v1/me",
				json({ name: "Renamed" }, { method: "PATCH", headers: bearer(t) }),
			),
	],
	[
		"POST /v1/me/password",
		(t) =>
			call(
				"/v1/me/password",
				json(
					{ currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
					{ headers: bearer(t) },
				),
			),
	],
	[
		"POST /v1/me/addresses",
		(t) => call("/v1/me/addresses", json(ADDRESS, { headers: bearer(t) })),
	],
	[
		"POST /v1/cart/items",
		(t) =>
			call(
				"/v1/cart/items",
				json(
					{ variantId: crypto.randomUUID(), quantity: 1 },
					{ headers: bearer(t) },
				),
			),
	],
	[
		"DELETE /v1/cart",
		(t) => call("/v1/cart", { method: "DELETE", headers: bearer(t) }),
	],
	["POST /v1/orders", (t) => checkout({ accessToken: t })],
	[
		"POST /v1/orders/{id}/cancel",
		(t) =>
			call(`/v1/orders/${crypto.randomUUID()}/cancel`, {
				method: "POST",
				headers: bearer(t),
			}),
	],
];

async function expectRevokedEverywhere(token: string) {
	for (const [route, send] of guardedWrites) {
		const res = await send(token);
		expect({ route, status: res.status }).toEqual({ route, status: 401 });
		await expectError(res, 401, "TOKEN_REVOKED");
		// Decided before any database work.
		expect(dbRoundTrips(res)).toBe(0);
	}
}

const renameWith = (token: string) =>
	call(
		"/v1/me",
		json({ name: "Renamed" }, { method: "PATCH", headers: bearer(token) }),
	);

const readMe = (token: string) => call("/v1/me", { headers: bearer(token) });

async function tokenOf(res: Response) {
	expect(res.status).toBe(200);
	return (await res.json()) as { accessToken: string; refreshToken: string };
}

/** Asks for a reset and reads the token out of the message the Worker put on the email queue. */
async function resetTokenFor(email: string): Promise<string> {
	const send = vi.spyOn(env.EMAIL_QUEUE, "send");
	const res = await call(
		"/v1/auth/password/forgot",
		json({ email }, { headers: { "CF-Connecting-IP": uniqueIp() } }),
	);
	expect(res.status).toBe(202);
	const message = send.mock.calls.at(-1)?.[0] as { data: { token: string } };
	send.mockRestore();
	return message.data.token;
}

/**
 * A real admin account (registered, promoted in the database) signed in: its token is genuine.
 * A second active admin is created alongside, so demoting or disabling this one is never the
 * last admin's (409 LAST_ADMIN).
 */
async function realAdmin() {
	const [user, spare] = await Promise.all([register(), register()]);
	for (const { userId } of [user, spare])
		await testDb()
			.update(users)
			.set({ role: "admin" })
			.where(eq(users.id, userId));
	const session = await tokenOf(await login(user.email));
	return { ...user, ...session };
}

const patchUser = async (userId: string, body: unknown) => {
	const res = await call(
		`/v1/admin/users/${userId}`,
		json(body, { method: "PATCH", headers: (await newAdmin()).headers }),
	);
	expect(res.status).toBe(200);
};

describe("access tokens end with their sessions on guarded routes", () => {
	it("logout-all: the old token is refused at once on every guarded write; reads keep it; a new login works", async () => {
		const user = await register();
		expect((await renameWith(user.accessToken)).status).toBe(200);
		const out = await call("/v1/auth/logout-all", {
			method: "POST",
			headers: bearer(user.accessToken),
		});
		expect(out.status).toBe(204);
		await expectRevokedEverywhere(user.accessToken);
		// Customer reads skip the check (0 database round trips for auth): valid until expiry.
		expect((await readMe(user.accessToken)).status).toBe(200);
		const fresh = await tokenOf(await login(user.email));
		expect((await renameWith(fresh.accessToken)).status).toBe(200);
	});

	it("password change: every token of the user is refused, the caller's too; the caller's refresh still works", async () => {
		const user = await register();
		const other = await tokenOf(await login(user.email));
		const res = await call(
			"/v1/me/password",
			json(
				{ currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
				{ headers: bearer(user.accessToken) },
			),
		);
		expect(res.status).toBe(204);
		await expectError(await renameWith(user.accessToken), 401, "TOKEN_REVOKED");
		await expectRevokedEverywhere(other.accessToken);
		// The caller's session survives: a refresh right away mints a token that works.
		const renewed = await tokenOf(await refresh(user.refreshToken));
		expect((await renameWith(renewed.accessToken)).status).toBe(200);
		expect((await refresh(other.refreshToken)).status).toBe(401);
		const fresh = await tokenOf(await login(user.email, NEW_PASSWORD));
		expect((await renameWith(fresh.accessToken)).status).toBe(200);
	});

	it("password reset: the old token is refused at once; a login with the new password works", async () => {
		const user = await register();
		const token = await resetTokenFor(user.email);
		const res = await call(
			"/v1/auth/password/reset",
			json({ token, password: NEW_PASSWORD }),
		);
		expect(res.status).toBe(204);
		await expectRevokedEverywhere(user.accessToken);
		const fresh = await tokenOf(await login(user.email, NEW_PASSWORD));
		expect((await renameWith(fresh.accessToken)).status).toBe(200);
	});

	it("account disabled by an admin: the old token is refused at once; re-enabled, a new login works", async () => {
		const user = await register();
		await patchUser(user.userId, { disabled: true });
		await expectRevokedEverywhere(user.accessToken);
		expect((await login(user.email)).status).toBe(401);
		await patchUser(user.userId, { disabled: false });
		const fresh = await tokenOf(await login(user.email));
		expect((await renameWith(fresh.accessToken)).status).toBe(200);
	});

	it("admin demoted: the old admin token is refused on admin routes at once; a refreshed token is a customer's (403)", async () => {
		const demoted = await realAdmin();
		const lowStock = (token: string) =>
			call("/v1/admin/inventory/low-stock", { headers: bearer(token) });
		expect((await lowStock(demoted.accessToken)).status).toBe(200);
		await patchUser(demoted.userId, { role: "customer" });
		const res = await lowStock(demoted.accessToken);
		await expectError(res, 401, "TOKEN_REVOKED");
		expect(dbRoundTrips(res)).toBe(0);
		const renewed = await tokenOf(await refresh(demoted.refreshToken));
		await expectError(await lowStock(renewed.accessToken), 403, "FORBIDDEN");
		expect((await renameWith(renewed.accessToken)).status).toBe(200);
	});

	it("admin disabled: the old admin token is refused on admin reads and writes", async () => {
		const disabled = await realAdmin();
		await patchUser(disabled.userId, { disabled: true });
		await expectError(
			await call("/v1/admin/users", { headers: bearer(disabled.accessToken) }),
			401,
			"TOKEN_REVOKED",
		);
		await expectError(
			await call(
				`/v1/admin/users/${disabled.userId}`,
				json(
					{ name: "x" },
					{ method: "PATCH", headers: bearer(disabled.accessToken) },
				),
			),
			401,
			"TOKEN_REVOKED",
		);
	});

	it("a name change or a promotion revokes nothing", async () => {
		const user = await register();
		await patchUser(user.userId, { name: "Still Signed In" });
		expect((await renameWith(user.accessToken)).status).toBe(200);
	});
});

describe("the marker", () => {
	it("revokes a token issued in the same millisecond and spares one a millisecond later (iat has ms precision)", async () => {
		const user = await register();
		const marker = await revokeAccessTokens(testServices(), user.userId);
		const at = (ms: number) =>
			signToken({
				sub: user.userId,
				iat: ms / 1000,
				exp: Math.floor(ms / 1000) + 900,
			});
		await expectError(await renameWith(await at(marker)), 401, "TOKEN_REVOKED");
		await expectError(
			await renameWith(await at(marker - 1)),
			401,
			"TOKEN_REVOKED",
		);
		expect((await renameWith(await at(marker + 1))).status).toBe(200);
	});

	it("issues access tokens whose iat carries milliseconds", async () => {
		const before = Date.now();
		const { accessToken } = await register();
		const [, payload = ""] = accessToken.split(".");
		const { iat, exp } = JSON.parse(
			atob(payload.replace(/-/g, "+").replace(/_/g, "/")),
		) as {
			iat: number;
			exp: number;
		};
		expect(iat * 1000).toBeGreaterThanOrEqual(before);
		expect(Number.isInteger(exp)).toBe(true);
		expect(exp - Math.floor(iat)).toBe(900);
	});

	it("never moves back: a later marker already set stays when an earlier revocation lands after it", async () => {
		const user = await register();
		const key = `voidshop:revoked-before:${user.userId}`;
		const redis = testServices().redis;
		// A revocation that reached Redis first although it happened later (a second of clock).
		const later = Date.now() + 1000;
		await redis.set(key, later, { ex: 600 });
		await patchUser(user.userId, { disabled: true });
		expect(Number(await redis.get(key))).toBe(later);
		// An earlier marker is raised as before.
		await redis.set(key, 1, { ex: 600 });
		await patchUser(user.userId, { disabled: false });
		const before = Date.now();
		await patchUser(user.userId, { disabled: true });
		expect(Number(await redis.get(key))).toBeGreaterThanOrEqual(before);
	});

	it("lives at least as long as the access tokens it revokes", async () => {
		const user = await register();
		await call("/v1/auth/logout-all", {
			method: "POST",
			headers: bearer(user.accessToken),
		});
		const ttl = await testServices().redis.ttl(
			`voidshop:revoked-before:${user.userId}`,
		);
		expect(REVOCATION_MARKER_TTL_SECONDS).toBeGreaterThanOrEqual(900);
		expect(ttl).toBeGreaterThan(900);
		expect(ttl).toBeLessThanOrEqual(REVOCATION_MARKER_TTL_SECONDS);
	});
});

describe("an isolate busy with other work", () => {
	it("is not a slow Redis: a fail-closed route whose marker check overlapped the stall is served, not 503", async () => {
		// workerd reads sockets and fires timers only when no JavaScript is runnable, so a chain
		// of PBKDF2 calls (what a concurrent login or password change runs in the same isolate)
		// leaves the marker's answer unread and the deadline timer overdue until the chain ends.
		const admin = await newAdmin();
		const sent = nextFetchTo(new URL(env.UPSTASH_REDIS_REST_URL).origin);
		const pending = createApp().request(
			`${BASE}/v1/admin/users?limit=1`,
			{ headers: admin.headers },
			{ ...env, REDIS_TIMEOUT_MS: "200" },
		);
		await sent;
		expect(await stallIsolate(600)).toBeGreaterThan(1);
		expect((await pending).status).toBe(200);
	});
});

/** A request to a fresh app whose Redis is `redisUrl` (hung or refusing); and its duration. */
async function withBrokenRedis(
	redisUrl: string,
	path: string,
	init: RequestInit,
) {
	const started = Date.now();
	const res = await createApp().request(`${BASE}${path}`, init, {
		...env,
		UPSTASH_REDIS_REST_URL: redisUrl,
		REDIS_TIMEOUT_MS: "300",
		RATE_LIMIT_TIMEOUT_MS: "100",
		LOG_LEVEL: "warn",
	});
	return { res, ms: Date.now() - started };
}

describe.each([
	["hangs", () => faults.TEST_FAULT_HANG_URL],
	["refuses connections", () => faults.TEST_FAULT_DEAD_URL],
])("when Redis %s", (_, redisUrl) => {
	it("admin routes and account/order writes fail closed: 503 DEPENDENCY_UNAVAILABLE within REDIS_TIMEOUT_MS", async () => {
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const user = await register();
		const admin = await newAdmin();
		for (const [path, init] of [
			["/v1/admin/users", { headers: admin.headers }],
			[
				"/v1/me",
				json(
					{ name: "x" },
					{ method: "PATCH", headers: bearer(user.accessToken) },
				),
			],
			[
				"/v1/me/addresses",
				json(ADDRESS, { headers: bearer(user.accessToken) }),
			],
		] as [string, RequestInit][]) {
			const { res, ms } = await withBrokenRedis(redisUrl(), path, init);
			await expectError(res, 503, "DEPENDENCY_UNAVAILABLE");
			expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
			expect(ms).toBeLessThan(1000);
		}
	});

	it("cart writes fail open (logged), reads never ask", async () => {
		const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
		const user = await register();
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const add = await withBrokenRedis(
			redisUrl(),
			"/v1/cart/items",
			json({ variantId, quantity: 1 }, { headers: bearer(user.accessToken) }),
		);
		expect(add.res.status).toBe(201);
		expect(add.ms).toBeLessThan(1000);
		expect(warn.mock.calls.join("\n")).toMatch(
			/revocation check failed; request allowed/,
		);
		const read = await withBrokenRedis(redisUrl(), "/v1/me", {
			headers: bearer(user.accessToken),
		});
		expect(read.res.status).toBe(200);
	});

	it("an event that cannot set the marker changes nothing: 503, and the sessions live on", async () => {
		const user = await register();
		const { res } = await withBrokenRedis(redisUrl(), "/v1/auth/logout-all", {
			method: "POST",
			headers: bearer(user.accessToken),
		});
		await expectError(res, 503, "DEPENDENCY_UNAVAILABLE");
		expect((await refresh(user.refreshToken)).status).toBe(200);
		const change = await withBrokenRedis(
			redisUrl(),
			"/v1/me/password",
			json(
				{ currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
				{ headers: bearer(user.accessToken) },
			),
		);
		await expectError(change.res, 503, "DEPENDENCY_UNAVAILABLE");
		expect((await login(user.email)).status).toBe(200);
	});
});

describe("adding to a cart with a revoked token", () => {
	it("is refused before the cart changes", async () => {
		const user = await register();
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		await call("/v1/auth/logout-all", {
			method: "POST",
			headers: bearer(user.accessToken),
		});
		await expectError(
			await addItem(variantId, 1, { accessToken: user.accessToken }),
			401,
			"TOKEN_REVOKED",
		);
		const fresh = await tokenOf(await login(user.email));
		const cart = await call("/v1/cart", { headers: bearer(fresh.accessToken) });
		expect(((await cart.json()) as { items: unknown[] }).items).toEqual([]);
	});
});
