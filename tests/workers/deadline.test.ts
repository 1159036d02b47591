import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deadlineSignal, withDeadline } from "../../src/lib/deadline";
import { createServices } from "../../src/services";
import { forward, interceptOrigin } from "./helpers/network";
import { STRIPE_ORIGIN } from "./helpers/payments";
import { nextFetchTo, stallIsolate } from "./helpers/stall";

const never = () => new Promise<never>(() => {});

describe("deadlines (lib/deadline.ts)", () => {
	it("expire after their time when nothing stalls", async () => {
		const started = Date.now();
		await expect(withDeadline(never(), 100, "deadline")).rejects.toThrow(
			"deadline",
		);
		const signal = deadlineSignal(100);
		await new Promise((resolve) =>
			signal.addEventListener("abort", resolve, { once: true }),
		);
		expect(signal.reason).toMatchObject({ name: "TimeoutError" });
		const ms = Date.now() - started;
		expect(ms).toBeGreaterThanOrEqual(200);
		expect(ms).toBeLessThan(1000);
	});

	it("do not count time the isolate spent stalled: a database round trip overlapping a stall gets its time once the isolate is free", async () => {
		// DB_TIMEOUT_MS is each round trip's deadlineSignal (db/client.ts).
		const { db } = createServices({ ...env, DB_TIMEOUT_MS: "200" } as Env);
		const { NEON_LOCAL_FETCH_ENDPOINT } = env as unknown as {
			NEON_LOCAL_FETCH_ENDPOINT: string;
		};
		const sent = nextFetchTo(new URL(NEON_LOCAL_FETCH_ENDPOINT).origin);
		// A Drizzle query runs when awaited (then), so it is started here, not by the await below.
		const rows = db.execute(sql`select 1 as one`).then((r) => r.rows);
		await sent;
		expect(await stallIsolate(600)).toBeGreaterThan(1);
		expect(await rows).toEqual([{ one: 1 }]);
	});

	it("do not count time the isolate spent stalled: a Stripe call overlapping a stall gets its answer, without a retry", async () => {
		// STRIPE_TIMEOUT_MS=500: each of the two attempts has 250 ms (lib/stripe.ts). With the SDK's
		// own timer (a plain setTimeout) the stall timed the first attempt out and it was retried.
		const services = createServices({
			...env,
			STRIPE_TIMEOUT_MS: "500",
		} as Env);
		const sentTo = interceptOrigin(STRIPE_ORIGIN, forward);
		const guardedFetch = globalThis.fetch;
		try {
			const sent = nextFetchTo(STRIPE_ORIGIN);
			const call = services.stripe.paymentIntents
				.create({ amount: 1234, currency: "usd" })
				.then(
					(pi) => pi.amount,
					(err: unknown) => err,
				);
			await sent;
			// A retry, had the stall cost the first attempt, would overlap a stall too.
			const retried = nextFetchTo(STRIPE_ORIGIN).then(() => stallIsolate(600));
			expect(await stallIsolate(600)).toBeGreaterThan(1);
			expect(await call).toBe(1234);
			await Promise.race([retried, call]); // a retry's stall, if there was one, is over
			expect(sentTo.calls).toHaveLength(1);
		} finally {
			globalThis.fetch = guardedFetch;
			sentTo.restore();
		}
	});

	it("still expire when the work never answers, stall or not: after at most twice their time plus the stall", async () => {
		const started = Date.now();
		const pending = withDeadline(never(), 100, "deadline").catch(
			(err: unknown) => err,
		);
		await stallIsolate(300);
		expect(await pending).toMatchObject({ message: "deadline" });
		expect(Date.now() - started).toBeLessThan(300 + 2 * 100 + 300);
	});
});
