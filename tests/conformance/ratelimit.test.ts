/**
 * @upstash/ratelimit through the bridge: its Lua scripts carry the Upstash-only
 * `allow-key-locking` shebang flag and arrive as EVALSHA first, then EVAL after NOSCRIPT.
 */
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstashBridge } from "../../dev/upstash-bridge";
import { startTestBridge, TOKEN, unique } from "./helpers";

let bridge: UpstashBridge;
let redis: Redis;
beforeAll(async () => {
	bridge = await startTestBridge();
	redis = new Redis({ url: bridge.url, token: TOKEN });
});
afterAll(() => bridge?.close());

type Limiter = ConstructorParameters<typeof Ratelimit>[0]["limiter"];

function limiter(algorithm: Limiter): Ratelimit {
	// No ephemeral cache: it would block repeat offenders without asking Redis at all.
	return new Ratelimit({
		redis,
		limiter: algorithm,
		ephemeralCache: false,
		analytics: false,
		prefix: unique("rl"),
	});
}

async function hits(rl: Ratelimit, id: string, n: number) {
	const out = [];
	for (let i = 0; i < n; i++) out.push(await rl.limit(id));
	return out;
}

describe.each([
	["slidingWindow", () => Ratelimit.slidingWindow(3, "10 s")],
	["fixedWindow", () => Ratelimit.fixedWindow(3, "10 s")],
])("Ratelimit.%s(3, '10 s')", (_name, algorithm) => {
	it("allows 3 requests and blocks the 4th for one identifier", async () => {
		const results = await hits(limiter(algorithm()), "user-1", 4);
		expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
		expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
		// A broken backend fails open with reason "timeout"; make sure Redis really answered.
		expect(results.every((r) => r.reason === undefined)).toBe(true);
		expect(results[3]?.reset).toBeGreaterThan(Date.now());
	});

	it("counts each identifier separately", async () => {
		const rl = limiter(algorithm());
		await hits(rl, "noisy", 4);
		const other = await rl.limit("quiet");
		expect(other).toMatchObject({ success: true, remaining: 2 });
	});

	it("reports the remaining budget without consuming it", async () => {
		const rl = limiter(algorithm());
		await hits(rl, "peek", 2);
		expect((await rl.getRemaining("peek")).remaining).toBe(1);
		expect((await rl.getRemaining("peek")).remaining).toBe(1);
	});
});

describe("Ratelimit.tokenBucket", () => {
	// ioredis-mock's Lua fails on this script ("attempt to perform arithmetic on a nil value").
	it("refills at its rate and blocks when the bucket is empty (real Redis only)", async ({
		skip,
	}) => {
		if (bridge.backend === "memory")
			return skip("embedded store cannot run this script");
		const results = await hits(
			limiter(Ratelimit.tokenBucket(1, "10 s", 2)),
			"bucket",
			3,
		);
		expect(results.map((r) => r.success)).toEqual([true, true, false]);
	});
});
