import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deadlineSignal, withDeadline } from "../../src/lib/deadline";
import { createServices } from "../../src/services";
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
