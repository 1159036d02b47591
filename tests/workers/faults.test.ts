import {
	createExecutionContext,
	createMessageBatch,
	getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { isDependencyFailure } from "../../src/lib/dependency-errors";
import { SENDGRID_URL } from "../../src/modules/emails/providers";
import { PASSWORD, register, uniqueEmail, uniqueIp } from "./helpers/auth";
import { callWith, expectError, json } from "./helpers/http";
import { interceptOrigin } from "./helpers/network";

const faults = env as unknown as {
	TEST_FAULT_DEAD_URL: string;
	TEST_FAULT_HANG_URL: string;
};

/** A request to a fresh app whose env differs from the test env by `overrides`; and its duration. */
async function timed(
	path: string,
	init: RequestInit,
	overrides: Record<string, unknown>,
) {
	const started = Date.now();
	const res = await callWith({ ...env, ...overrides }, path, init);
	return { res, ms: Date.now() - started };
}

function login(email: string, password = PASSWORD) {
	return json(
		{ email, password },
		{ headers: { "CF-Connecting-IP": uniqueIp() } },
	);
}

const DB_ROUTES: [string, () => RequestInit][] = [
	["/v1/auth/login", () => login(uniqueEmail())],
	[
		"/v1/auth/register",
		() =>
			json(
				{ email: uniqueEmail(), password: PASSWORD, name: "Fault" },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
	],
	[`/v1/products/no-such-${crypto.randomUUID()}`, () => ({})],
	[`/v1/categories/no-such-${crypto.randomUUID()}`, () => ({})],
];

afterEach(() => vi.restoreAllMocks());

async function expectOutage(res: Response) {
	const error = await expectError(res, 503, "DEPENDENCY_UNAVAILABLE");
	expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
	// Names no internals: no host, port, driver message or SQL.
	expect(JSON.stringify(error)).not.toMatch(/127\.0\.0\.1|neon|sql|connect/i);
}

describe("database outages", () => {
	it.each(DB_ROUTES)(
		"%s answers 503 with Retry-After when nothing listens on the database endpoint",
		async (path, init) => {
			vi.spyOn(console, "log").mockImplementation(() => {});
			const { res, ms } = await timed(path, init(), {
				NEON_LOCAL_FETCH_ENDPOINT: `${faults.TEST_FAULT_DEAD_URL}/sql`,
			});
			await expectOutage(res);
			expect(ms).toBeLessThan(2000);
		},
	);

	it.each(DB_ROUTES)(
		"%s answers 503 within DB_TIMEOUT_MS when the database endpoint accepts and never answers",
		async (path, init) => {
			vi.spyOn(console, "log").mockImplementation(() => {});
			const { res, ms } = await timed(path, init(), {
				NEON_LOCAL_FETCH_ENDPOINT: `${faults.TEST_FAULT_HANG_URL}/sql`,
				DB_TIMEOUT_MS: "400",
			});
			await expectOutage(res);
			expect(ms).toBeGreaterThanOrEqual(390);
			expect(ms).toBeLessThan(1500);
		},
	);

	it.each([
		[502, "bad gateway"],
		[503, "neon proxy is starting"],
	])("answers 503 when the database proxy answers %i", async (status, text) => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const proxy = interceptOrigin("http://db-proxy.fault", () =>
			Response.json({ message: text }, { status }),
		);
		try {
			const { res } = await timed("/v1/auth/login", login(uniqueEmail()), {
				NEON_LOCAL_FETCH_ENDPOINT: "http://db-proxy.fault/sql",
			});
			await expectOutage(res);
			expect(proxy.calls.length).toBeGreaterThan(0);
		} finally {
			proxy.restore();
		}
	});

	it("answers 503 for Neon's endpoint-unavailable family", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const proxy = interceptOrigin("http://db-proxy.fault", () =>
			Response.json(
				{
					message:
						"The endpoint has been disabled. Enable it using Neon API and retry.",
					code: "XX000",
				},
				{ status: 400 },
			),
		);
		try {
			const { res } = await timed("/v1/auth/login", login(uniqueEmail()), {
				NEON_LOCAL_FETCH_ENDPOINT: "http://db-proxy.fault/sql",
			});
			await expectOutage(res);
		} finally {
			proxy.restore();
		}
	});
});

describe("Redis outages on login", () => {
	it("a Redis that accepts and never answers costs a login about RATE_LIMIT_TIMEOUT_MS per limiter, and login still works (fail open)", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const user = await register();
		const { res, ms } = await timed("/v1/auth/login", login(user.email), {
			UPSTASH_REDIS_REST_URL: faults.TEST_FAULT_HANG_URL,
		});
		expect(res.status).toBe(200);
		// Two sequential checks (per-IP middleware, then per-email) of ≤ ~300 ms each, plus PBKDF2.
		expect(ms).toBeLessThan(1500);
	});
});

describe("email provider outages", () => {
	it("a SendGrid that never answers costs the consumer EMAIL_TIMEOUT_MS, then the message is retried", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const hung = interceptOrigin(
			new URL(SENDGRID_URL).origin,
			() => new Promise<Response>(() => {}),
		);
		try {
			const id = crypto.randomUUID();
			const batch = createMessageBatch("voidshop-emails", [
				{
					id: `msg-${id}`,
					timestamp: new Date(),
					attempts: 1,
					body: {
						template: "welcome",
						idempotencyKey: `welcome:${id}`,
						to: { email: `hang-${id}@example.com`, name: "Hang" },
						data: {},
					},
				},
			]);
			const ctx = createExecutionContext();
			const started = Date.now();
			await worker.queue(
				batch,
				{
					...env,
					EMAIL_PROVIDER: "sendgrid",
					SENDGRID_API_KEY: "SG.test-key",
					EMAIL_TIMEOUT_MS: "500",
				} as Env,
				ctx,
			);
			const result = await getQueueResult(batch, ctx);
			const ms = Date.now() - started;
			expect(result.retryMessages).toHaveLength(1);
			expect(hung.calls).toHaveLength(1);
			expect(ms).toBeLessThan(2000);
		} finally {
			hung.restore();
		}
	});
});

describe("isDependencyFailure", () => {
	it("keeps bugs and query errors out (they stay 500 or map to their own codes)", () => {
		expect(isDependencyFailure(new Error("boom"))).toBe(false);
		expect(isDependencyFailure(new TypeError("x is undefined"))).toBe(false);
		const unique = Object.assign(new Error("duplicate key"), {
			code: "23505",
		});
		expect(
			isDependencyFailure(new Error("Failed query", { cause: unique })),
		).toBe(false);
		// A parameter that happens to read like an outage does not make a bug one.
		expect(
			isDependencyFailure(
				new Error("Failed query: select 1\nparams: connection refused"),
			),
		).toBe(false);
	});

	it("recognises outages behind Drizzle's wrapper", () => {
		const dropped = Object.assign(new Error("terminating connection"), {
			code: "57P01",
		});
		expect(
			isDependencyFailure(new Error("Failed query", { cause: dropped })),
		).toBe(true);
		expect(
			isDependencyFailure(new DOMException("timed out", "TimeoutError")),
		).toBe(true);
	});
});
