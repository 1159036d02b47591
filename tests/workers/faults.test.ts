import {
	createExecutionContext,
	createMessageBatch,
	getQueueResult,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import {
	afterAll,
	afterEach,
	beforeAll,
	describe,
	expect,
	it,
	vi,
} from "vitest";
import worker from "../../src/index";
import { isDependencyFailure } from "../../src/lib/dependency-errors";
import { SENDGRID_URL } from "../../src/modules/emails/providers";
import {
	bearer,
	PASSWORD,
	register,
	signToken,
	uniqueEmail,
	uniqueIp,
} from "./helpers/auth";
import { addItem, freshProduct } from "./helpers/cart";
import { testDb } from "./helpers/db";
import { callWith, expectError, json } from "./helpers/http";
import { interceptOrigin } from "./helpers/network";
import { ADDRESS, checkout } from "./helpers/orders";
import { stripeDown } from "./helpers/payments";

const faults = env as unknown as {
	TEST_FAULT_DEAD_URL: string;
	TEST_FAULT_HANG_URL: string;
};

/** Answer time per fault, printed after the file for the record (see afterAll). */
const observed: string[] = [];

/** A request to a fresh app whose env differs from the test env by `overrides`; and its duration. */
async function timed(
	path: string,
	init: RequestInit,
	overrides: Record<string, unknown>,
	fault?: string,
) {
	const started = Date.now();
	const res = await callWith({ ...env, ...overrides }, path, init);
	const ms = Date.now() - started;
	if (fault)
		observed.push(
			`${fault}: ${init.method ?? "GET"} ${path} → ${res.status} in ${ms} ms`,
		);
	return { res, ms };
}

afterAll(() => console.info(`faults observed:\n${observed.join("\n")}`));

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
	["/v1/products?limit=5", () => ({})],
	[
		"/v1/cart/items",
		() => json({ variantId: crypto.randomUUID(), quantity: 1 }),
	],
	[
		"/v1/admin/categories",
		() =>
			json(
				{ slug: `fault-${crypto.randomUUID().slice(0, 8)}`, name: "Fault" },
				{ headers: { Authorization: `Bearer ${adminToken}` } },
			),
	],
];

let adminToken = "";
beforeAll(async () => {
	adminToken = await signToken({ role: "admin" });
});

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
			const { res, ms } = await timed(
				path,
				init(),
				{ NEON_LOCAL_FETCH_ENDPOINT: `${faults.TEST_FAULT_DEAD_URL}/sql` },
				"database refuses",
			);
			await expectOutage(res);
			expect(ms).toBeLessThan(2000);
		},
	);

	it.each(DB_ROUTES)(
		"%s answers 503 within DB_TIMEOUT_MS when the database endpoint accepts and never answers",
		async (path, init) => {
			vi.spyOn(console, "log").mockImplementation(() => {});
			const { res, ms } = await timed(
				path,
				init(),
				{
					NEON_LOCAL_FETCH_ENDPOINT: `${faults.TEST_FAULT_HANG_URL}/sql`,
					DB_TIMEOUT_MS: "400",
				},
				"database hangs (DB_TIMEOUT_MS=400)",
			);
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
			const { res } = await timed(
				"/v1/auth/login",
				login(uniqueEmail()),
				{ NEON_LOCAL_FETCH_ENDPOINT: "http://db-proxy.fault/sql" },
				`database proxy answers ${status}`,
			);
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
			const { res } = await timed(
				"/v1/auth/login",
				login(uniqueEmail()),
				{ NEON_LOCAL_FETCH_ENDPOINT: "http://db-proxy.fault/sql" },
				"Neon endpoint disabled",
			);
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
		const { res, ms } = await timed(
			"/v1/auth/login",
			login(user.email),
			{ UPSTASH_REDIS_REST_URL: faults.TEST_FAULT_HANG_URL },
			"Redis hangs",
		);
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
			observed.push(
				`email provider hangs (EMAIL_TIMEOUT_MS=500): consumer batch retried in ${ms} ms`,
			);
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

describe("readiness during outages", () => {
	it.each([
		["database refuses", { NEON_LOCAL_FETCH_ENDPOINT: "dead" }, "database"],
		["database hangs", { NEON_LOCAL_FETCH_ENDPOINT: "hang" }, "database"],
		["Redis refuses", { UPSTASH_REDIS_REST_URL: "dead" }, "redis"],
		["Redis hangs", { UPSTASH_REDIS_REST_URL: "hang" }, "redis"],
	] as const)(
		"GET /health/ready answers 503 with Retry-After when the %s, naming it, within ~2 s",
		async (fault, override, failed) => {
			vi.spyOn(console, "log").mockImplementation(() => {});
			const [variable, kind] = Object.entries(override)[0] as [string, string];
			const base =
				kind === "dead"
					? faults.TEST_FAULT_DEAD_URL
					: faults.TEST_FAULT_HANG_URL;
			const { res, ms } = await timed(
				"/health/ready",
				{},
				{
					[variable]:
						variable === "NEON_LOCAL_FETCH_ENDPOINT" ? `${base}/sql` : base,
				},
				fault,
			);
			const error = await expectError(res, 503, "DEPENDENCY_UNAVAILABLE");
			expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
			expect(error.details).toMatchObject({ failed: [failed] });
			expect(ms).toBeLessThan(2600);
		},
	);
});

/** What a checkout can leave behind, for before/after comparisons. */
async function footprint(variantId: string, userId: string) {
	const { rows } = await testDb().execute<{
		on_hand: number;
		reserved: number;
		ledger: string;
		open_orders: string;
		cart_lines: string;
	}>(sql`select v.on_hand, v.reserved,
		(select count(*) from inventory_ledger l where l.variant_id = v.id) as ledger,
		(select count(*) from orders o join order_items i on i.order_id = o.id
			where i.variant_id = v.id and o.status <> 'cancelled') as open_orders,
		(select count(*) from cart_items ci join carts c on c.id = ci.cart_id
			where c.user_id = ${userId}::uuid and c.status = 'active') as cart_lines
		from variants v where v.id = ${variantId}::uuid`);
	return rows[0];
}

async function customerWithCart(onHand = 5, quantity = 2) {
	const product = await freshProduct([{ price: 700, onHand }]);
	const variantId = product.variants[0]?.id ?? "";
	const session = await register();
	const who = { accessToken: session.accessToken };
	expect((await addItem(variantId, quantity, who)).status).toBe(201);
	return { variantId, who, userId: session.userId };
}

describe("the database disappears mid-request", () => {
	it("a checkout whose database backend is terminated mid-batch answers 503, leaves nothing behind, and its Idempotency-Key works again", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const { variantId, who, userId } = await customerWithCart();
		const before = await footprint(variantId, userId);
		// Our own transaction holds the variant row, so the checkout's batch stops on it mid-way;
		// then its backend is killed, as a failover or an operator would.
		const marker = crypto.randomUUID();
		const tx = testDb();
		const held = tx.batch([
			tx.execute(
				sql`select id from variants where id = ${variantId}::uuid for update`,
			),
			tx.execute(sql`select pg_sleep(1.5) /* ${sql.raw(marker)} */`),
		]);
		await new Promise((resolve) => setTimeout(resolve, 150));
		const key = { "Idempotency-Key": crypto.randomUUID() };
		const started = Date.now();
		const pending = checkout(who, {}, key);
		let killed = 0;
		for (let i = 0; i < 20 && killed === 0; i++) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			const { rows } = await testDb().execute<{ pid: number }>(sql`
				select pg_terminate_backend(w.pid) as pid
				from pg_stat_activity h, pg_stat_activity w
				where h.query like ${`%/* ${marker} */%`} and h.query not like '%pg_stat_activity%'
					and h.pid = any(pg_blocking_pids(w.pid))`);
			killed = rows.length;
		}
		expect(killed).toBe(1);
		const res = await pending;
		const ms = Date.now() - started;
		observed.push(
			`database backend terminated mid-batch: POST /v1/orders → ${res.status} in ${ms} ms`,
		);
		await held;
		await expectOutage(res);
		expect(await footprint(variantId, userId)).toEqual(before);
		// Nothing was held for the key either: the same request succeeds once the database is back.
		const retry = await checkout(who, {}, key);
		expect(retry.status).toBe(201);
		expect(await footprint(variantId, userId)).toMatchObject({
			reserved: 2,
			open_orders: "1",
		});
	});

	it("a database that answers one round trip and then is gone: login answers 503 and no session is written", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const user = await register();
		const sessions = async () =>
			(
				await testDb().execute<{ n: string }>(
					sql`select count(*) as n from sessions where user_id = ${user.userId}::uuid`,
				)
			).rows[0]?.n;
		const before = await sessions();
		const realEndpoint = (
			env as unknown as { NEON_LOCAL_FETCH_ENDPOINT: string }
		).NEON_LOCAL_FETCH_ENDPOINT;
		let passed = 0;
		const flaky = interceptOrigin("http://db-flaky.fault", async (call) => {
			if (passed++ >= 1) throw new TypeError("Network connection lost.");
			return fetch(realEndpoint, {
				method: call.method,
				headers: call.headers,
				body: call.body,
			});
		});
		try {
			const { res } = await timed(
				"/v1/auth/login",
				login(user.email),
				{ NEON_LOCAL_FETCH_ENDPOINT: "http://db-flaky.fault/sql" },
				"database gone after the first round trip",
			);
			await expectOutage(res);
			// The user was read, then the session write found the database gone.
			expect(flaky.calls).toHaveLength(2);
			expect(await sessions()).toBe(before);
		} finally {
			flaky.restore();
		}
	});
});

describe("Redis refuses", () => {
	it("login still works (rate limits fail open), costing at most the limiter deadlines", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const user = await register();
		const { res, ms } = await timed(
			"/v1/auth/login",
			login(user.email),
			{ UPSTASH_REDIS_REST_URL: faults.TEST_FAULT_DEAD_URL },
			"Redis refuses",
		);
		expect(res.status).toBe(200);
		expect(ms).toBeLessThan(1500);
	});
});

describe("Stripe answers 5xx or hangs at checkout", () => {
	it.each([
		["Stripe answers 500", 500],
		["Stripe hangs (STRIPE_TIMEOUT_MS=500)", "hang"],
	] as const)(
		"%s: 503 PAYMENT_PROVIDER_UNAVAILABLE with Retry-After, bounded, and the compensation leaves no reserved stock or pending order",
		async (fault, mode) => {
			vi.spyOn(console, "log").mockImplementation(() => {});
			vi.spyOn(console, "warn").mockImplementation(() => {});
			const { variantId, who, userId } = await customerWithCart();
			const before = await footprint(variantId, userId);
			const down = stripeDown(mode);
			try {
				const { res, ms } = await timed(
					"/v1/orders",
					json(
						{ shippingAddress: ADDRESS, shippingMethod: "standard" },
						{
							headers: {
								...bearer(who.accessToken),
								"Idempotency-Key": crypto.randomUUID(),
							},
						},
					),
					{ STRIPE_TIMEOUT_MS: "500" },
					fault,
				);
				await expectError(res, 503, "PAYMENT_PROVIDER_UNAVAILABLE");
				expect(res.headers.get("Retry-After")).toMatch(/^\d+$/);
				expect(down.calls.length).toBeGreaterThanOrEqual(1);
				// Stripe's client retries; each try is bounded by STRIPE_TIMEOUT_MS.
				expect(ms).toBeLessThan(mode === "hang" ? 3000 : 1500);
			} finally {
				down.restore();
			}
			const after = await footprint(variantId, userId);
			// The reservation was made and released (two ledger rows), the order cancelled, the cart kept.
			expect(after).toEqual({
				...before,
				ledger: String(Number(before?.ledger) + 2),
			});
		},
	);
});

describe("the email provider answers 5xx", () => {
	it("the consumer retries the message with a backoff and answers quickly", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const failing = interceptOrigin(new URL(SENDGRID_URL).origin, () =>
			Response.json({ errors: [{ message: "down" }] }, { status: 503 }),
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
						to: { email: `down-${id}@example.com`, name: "Down" },
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
				} as Env,
				ctx,
			);
			const result = await getQueueResult(batch, ctx);
			const ms = Date.now() - started;
			observed.push(
				`email provider answers 503: consumer batch retried in ${ms} ms`,
			);
			expect(result.retryMessages).toEqual([
				expect.objectContaining({ msgId: `msg-${id}` }),
			]);
			expect(result.explicitAcks).toEqual([]);
			expect(failing.calls).toHaveLength(1);
			expect(ms).toBeLessThan(2000);
		} finally {
			failing.restore();
		}
	});
});
