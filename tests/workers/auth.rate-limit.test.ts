import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { networkOf } from "../../src/middleware/rate-limit";
import {
	login,
	PASSWORD,
	register,
	uniqueEmail,
	uniqueIp,
} from "./helpers/auth";
import {
	call,
	callWith,
	dbRoundTrips,
	expectError,
	json,
} from "./helpers/http";
import { nextFetchTo, stallIsolate } from "./helpers/stall";

afterEach(() => vi.restoreAllMocks());

/** The real app with some limits tightened, to reach them in a few requests. */
function appWith(vars: Record<string, string>) {
	const app = createApp();
	const tuned = { ...env, ...vars };
	return (path: string, init: RequestInit) =>
		callWith(tuned, path, init, { app });
}

function expectRateLimited(res: Response, limit: number) {
	expect(res.headers.get("RateLimit-Limit")).toBe(String(limit));
	expect(res.headers.get("RateLimit-Remaining")).toBe("0");
	const retryAfter = Number(res.headers.get("Retry-After"));
	expect(retryAfter).toBeGreaterThan(0);
	expect(Number(res.headers.get("RateLimit-Reset"))).toBe(retryAfter);
	return expectError(res, 429, "RATE_LIMITED");
}

describe("login rate limits", () => {
	it("answers 429 with Retry-After and RateLimit-* after N failures for one email from one network (limit 5 in tests)", async () => {
		const { email } = await register();
		const ip = uniqueIp();
		for (let i = 0; i < 5; i++) {
			const res = await login(email, "wrong-password-123", ip);
			expect(res.status).toBe(401);
			expect(res.headers.get("RateLimit-Remaining")).not.toBeNull();
		}
		await expectRateLimited(await login(email, PASSWORD, ip), 5);
	});

	it("cannot be used by a third party to lock the owner out: failures elsewhere leave the owner's login working", async () => {
		const { email } = await register();
		for (let i = 0; i < 10; i++)
			expect(
				(await login(email, "wrong-password-123", uniqueIp())).status,
			).toBe(401);
		expect((await login(email, PASSWORD, uniqueIp())).status).toBe(200);
	});

	it("never counts successful logins", async () => {
		const { email } = await register();
		const ip = uniqueIp();
		for (let i = 0; i < 7; i++)
			expect((await login(email, PASSWORD, ip)).status).toBe(200);
	});

	it("keys IPv6 clients by /64: rotating addresses within one /64 shares one budget", async () => {
		const { email } = await register();
		const net = uniqueIp().split(":").slice(0, 4).join(":");
		for (let i = 1; i <= 5; i++)
			expect(
				(await login(email, "wrong-password-123", `${net}::${i}`)).status,
			).toBe(401);
		await expectRateLimited(await login(email, PASSWORD, `${net}:0:0:0:99`), 5);
		const request = appWith({ RATE_LIMIT_LOGIN_IP: "2/60s" });
		const other = uniqueIp().split(":").slice(0, 4).join(":");
		const attempt = (ip: string) =>
			request(
				"/v1/auth/login",
				json(
					{ email: uniqueEmail(), password: PASSWORD },
					{ headers: { "CF-Connecting-IP": ip } },
				),
			);
		expect((await attempt(`${other}::1`)).status).toBe(401);
		expect((await attempt(`${other}::2`)).status).toBe(401);
		await expectRateLimited(await attempt(`${other}::3`), 2);
	});

	it("has a much higher per-email ceiling across networks (a distributed guesser stops there)", async () => {
		const request = appWith({ RATE_LIMIT_LOGIN_EMAIL_ALL: "3/1h" });
		const { email } = await register();
		const attempt = (password: string) =>
			request(
				"/v1/auth/login",
				json(
					{ email, password },
					{ headers: { "CF-Connecting-IP": uniqueIp() } },
				),
			);
		for (let i = 0; i < 3; i++)
			expect((await attempt("wrong-password-123")).status).toBe(401);
		await expectRateLimited(await attempt(PASSWORD), 3);
	});

	it("counts per IP before reading the body, so a blocked client costs no database round trip", async () => {
		const request = appWith({ RATE_LIMIT_LOGIN_IP: "2/60s" });
		const ip = uniqueIp();
		const attempt = () =>
			request(
				"/v1/auth/login",
				json(
					{ email: uniqueEmail(), password: PASSWORD },
					{ headers: { "CF-Connecting-IP": ip } },
				),
			);
		expect((await attempt()).status).toBe(401);
		expect((await attempt()).status).toBe(401);
		const blocked = await attempt();
		expect(dbRoundTrips(blocked)).toBe(0);
		await expectRateLimited(blocked, 2);
		const elsewhere = await request(
			"/v1/auth/login",
			json(
				{ email: uniqueEmail(), password: PASSWORD },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		expect(elsewhere.status).toBe(401);
	});
});

describe("register, forgot and refresh rate limits", () => {
	it("limit registrations per IP", async () => {
		const request = appWith({ RATE_LIMIT_REGISTER_IP: "1/1h" });
		const ip = uniqueIp();
		const attempt = () =>
			request(
				"/v1/auth/register",
				json(
					{ email: uniqueEmail(), password: PASSWORD, name: "N" },
					{ headers: { "CF-Connecting-IP": ip } },
				),
			);
		expect((await attempt()).status).toBe(201);
		await expectRateLimited(await attempt(), 1);
	});

	it("limit password-forgot per IP and per email, with the same 429 for unknown accounts", async () => {
		const request = appWith({
			RATE_LIMIT_FORGOT_IP: "2/15m",
			RATE_LIMIT_FORGOT_EMAIL: "1/15m",
		});
		const forgot = (email: string, ip: string) =>
			request(
				"/v1/auth/password/forgot",
				json({ email }, { headers: { "CF-Connecting-IP": ip } }),
			);
		const email = uniqueEmail("nobody");
		const attacker = uniqueIp();
		expect((await forgot(email, attacker)).status).toBe(202);
		await expectRateLimited(await forgot(email, attacker), 1);
		// Someone else's requests do not use up the owner's (from their own network).
		expect((await forgot(email, uniqueIp())).status).toBe(202);
		const ip = uniqueIp();
		expect((await forgot(uniqueEmail(), ip)).status).toBe(202);
		expect((await forgot(uniqueEmail(), ip)).status).toBe(202);
		await expectRateLimited(await forgot(uniqueEmail(), ip), 2);
	});

	it("cap password-forgot per email across networks (RATE_LIMIT_FORGOT_EMAIL_ALL)", async () => {
		const request = appWith({ RATE_LIMIT_FORGOT_EMAIL_ALL: "2/1h" });
		const email = uniqueEmail("nobody");
		const forgot = () =>
			request(
				"/v1/auth/password/forgot",
				json({ email }, { headers: { "CF-Connecting-IP": uniqueIp() } }),
			);
		expect((await forgot()).status).toBe(202);
		expect((await forgot()).status).toBe(202);
		await expectRateLimited(await forgot(), 2);
	});

	it("limit refreshes per IP", async () => {
		const request = appWith({ RATE_LIMIT_REFRESH_IP: "1/60s" });
		const ip = uniqueIp();
		const attempt = () =>
			request(
				"/v1/auth/refresh",
				json(
					{ refreshToken: "E".repeat(43) },
					{ headers: { "CF-Connecting-IP": ip } },
				),
			);
		expect((await attempt()).status).toBe(401);
		await expectRateLimited(await attempt(), 1);
	});
});

describe("rate limit configuration", () => {
	it("answers 500 CONFIG_INVALID naming a malformed limit", async () => {
		const res = await appWith({ RATE_LIMIT_LOGIN_IP: "ten a minute" })(
			"/health/live",
			{},
		);
		const error = await expectError(res, 500, "CONFIG_INVALID");
		expect(error.details).toEqual({
			variables: [expect.objectContaining({ variable: "RATE_LIMIT_LOGIN_IP" })],
		});
	});
});

describe("when Redis is unreachable", () => {
	it("lets requests through (fail open) and logs a warning with the request id", async () => {
		const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
		const { email } = await register();
		const request = appWith({
			UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
			LOG_LEVEL: "warn",
		});
		const res = await request(
			"/v1/auth/login",
			json(
				{ email, password: PASSWORD },
				{
					headers: {
						"CF-Connecting-IP": uniqueIp(),
						"x-request-id": "redis-down-1",
					},
				},
			),
		);
		expect(res.status).toBe(200);
		expect(res.headers.get("RateLimit-Limit")).toBeNull();
		const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)));
		expect(lines).toEqual(
			expect.arrayContaining([
				expect.objectContaining({
					level: "warn",
					msg: "rate limit check failed; request allowed",
					requestId: "redis-down-1",
					limit: "login_ip",
				}),
				expect.objectContaining({
					requestId: "redis-down-1",
					limit: "login_email",
				}),
			]),
		);
		// The working Redis is used again by the normal app afterwards.
		const normal = await call(
			"/v1/auth/login",
			json(
				{ email, password: PASSWORD },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		expect(normal.headers.get("RateLimit-Limit")).not.toBeNull();
	});
});

describe("an isolate busy with other work", () => {
	it("is not a slow Redis: a limit checked across the stall still refuses, it does not fail open", async () => {
		const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
		const request = appWith({
			RATE_LIMIT_REGISTER_IP: "1/60s",
			RATE_LIMIT_TIMEOUT_MS: "200",
			LOG_LEVEL: "warn",
		});
		const ip = uniqueIp();
		const registerFrom = () =>
			request(
				"/v1/auth/register",
				json(
					{ email: uniqueEmail(), password: PASSWORD, name: "Stalled" },
					{ headers: { "CF-Connecting-IP": ip } },
				),
			);
		expect((await registerFrom()).status).toBe(201);
		const sent = nextFetchTo(new URL(env.UPSTASH_REDIS_REST_URL).origin);
		const pending = registerFrom();
		await sent;
		expect(await stallIsolate(600)).toBeGreaterThan(1);
		await expectRateLimited(await pending, 1);
		expect(warn.mock.calls.join("\n")).not.toMatch(/rate limit check failed/);
	});
});

describe("networkOf", () => {
	it("keeps IPv4 addresses and reduces IPv6 to its /64", () => {
		expect(networkOf("192.0.2.7")).toBe("192.0.2.7");
		expect(networkOf("::ffff:192.0.2.7")).toBe("192.0.2.7");
		expect(networkOf("2001:DB8:0a:1::1")).toBe("2001:db8:a:1::/64");
		expect(networkOf("2001:db8:a:1:ffff:1:2:3")).toBe("2001:db8:a:1::/64");
		expect(networkOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
		expect(networkOf("::1")).toBe("0:0:0:0::/64");
	});
});

describe("POST /v1/me/password limits", () => {
	const change = (token: string, currentPassword: string) =>
		call(
			"/v1/me/password",
			json(
				{ currentPassword, newPassword: "a-brand-new-passphrase-77" },
				{ headers: { Authorization: `Bearer ${token}` } },
			),
		);

	it("answers 429 after N wrong current passwords for one user (limit 5 in tests); other users are unaffected", async () => {
		const user = await register();
		for (let i = 0; i < 5; i++)
			expect(
				(await change(user.accessToken, "wrong-password-123")).status,
			).toBe(400);
		await expectRateLimited(await change(user.accessToken, PASSWORD), 5);
		const other = await register();
		expect((await change(other.accessToken, PASSWORD)).status).toBe(204);
	});
});

describe("a Redis that accepts and never answers", () => {
	it("costs a login one RATE_LIMIT_TIMEOUT_MS, not one per check: a wrong password (three rounds of checks) too", async () => {
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const user = await register();
		const send = appWith({
			UPSTASH_REDIS_REST_URL: (
				env as unknown as { TEST_FAULT_HANG_URL: string }
			).TEST_FAULT_HANG_URL,
			RATE_LIMIT_TIMEOUT_MS: "400",
		});
		for (const [password, status] of [
			[PASSWORD, 200],
			["not-the-password-at-all", 401],
		] as const) {
			const started = Date.now();
			const res = await send(
				"/v1/auth/login",
				json(
					{ email: user.email, password },
					{ headers: { "CF-Connecting-IP": uniqueIp() } },
				),
			);
			const ms = Date.now() - started;
			expect(res.status).toBe(status);
			// One 400 ms wait, PBKDF2 and two round trips; each further check would add 400 ms.
			expect(ms).toBeGreaterThanOrEqual(400);
			expect(ms).toBeLessThan(800);
		}
	});
});
