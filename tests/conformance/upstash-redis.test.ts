/** @upstash/redis (default: base64 responses, auto-pipelining) against the local REST bridge. */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstashBridge } from "../../dev/upstash-bridge";
import { caught, startTestBridge, TOKEN, unique } from "./helpers";

let bridge: UpstashBridge;
let redis: Redis;
beforeAll(async () => {
	bridge = await startTestBridge();
	redis = new Redis({ url: bridge.url, token: TOKEN });
});
afterAll(() => bridge?.close());

/** Calls the bridge the way the client does, to check the wire format itself. */
async function rest(
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
) {
	const res = await fetch(`${bridge.url}${path}`, {
		method: "POST",
		body: JSON.stringify(body),
		headers: {
			authorization: `Bearer ${TOKEN}`,
			"content-type": "application/json",
			...headers,
		},
	});
	return { status: res.status, body: (await res.json()) as unknown };
}

describe("@upstash/redis against the bridge", () => {
	it("sets and gets strings and JSON values", async () => {
		const key = unique("str");
		expect(await redis.set(key, "héllo ✓")).toBe("OK");
		expect(await redis.get(key)).toBe("héllo ✓");
		await redis.set(key, { cart: [1, 2], note: null });
		expect(await redis.get(key)).toEqual({ cart: [1, 2], note: null });
		expect(await redis.get(unique("missing"))).toBeNull();
	});

	it("increments counters and reports expiry", async () => {
		const key = unique("counter");
		expect(await redis.incr(key)).toBe(1);
		expect(await redis.incrby(key, 4)).toBe(5);
		expect(await redis.expire(key, 60)).toBe(1);
		const ttl = await redis.ttl(key);
		expect(ttl).toBeGreaterThan(55);
		expect(ttl).toBeLessThanOrEqual(60);
		expect(await redis.ttl(unique("none"))).toBe(-2);
	});

	it("honours SET options (NX, EX)", async () => {
		const key = unique("nx");
		expect(await redis.set(key, "first", { nx: true, ex: 30 })).toBe("OK");
		expect(await redis.set(key, "second", { nx: true })).toBeNull();
		expect(await redis.get(key)).toBe("first");
	});

	it("answers concurrent calls (auto-pipelined) in order", async () => {
		const keys = Array.from({ length: 5 }, (_, i) => unique(`auto${i}`));
		await Promise.all(keys.map((k, i) => redis.set(k, i)));
		expect(await Promise.all(keys.map((k) => redis.get(k)))).toEqual([
			0, 1, 2, 3, 4,
		]);
	});

	it("runs an explicit pipeline and returns each result", async () => {
		const key = unique("pipe");
		const results = await redis
			.pipeline()
			.set(key, "1")
			.incr(key)
			.get(key)
			.del(key)
			.exec();
		expect(results).toEqual(["OK", 2, 2, 1]);
	});

	it("runs MULTI/EXEC transactions", async () => {
		const key = unique("multi");
		const results = await redis
			.multi()
			.set(key, 10)
			.decrby(key, 3)
			.get(key)
			.exec();
		expect(results).toEqual(["OK", 7, 7]);
	});

	it("returns hashes as objects and lists in order", async () => {
		const hash = unique("hash");
		await redis.hset(hash, { a: "1", b: "two" });
		expect(await redis.hgetall(hash)).toEqual({ a: 1, b: "two" });
		const list = unique("list");
		await redis.rpush(list, "x", "y", "z");
		expect(await redis.lrange(list, 0, -1)).toEqual(["x", "y", "z"]);
	});

	it("runs Lua scripts with EVAL and EVALSHA", async () => {
		const key = unique("lua");
		const script = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
		expect(await redis.eval(script, [key], ["5"])).toBe(5);
		const sha = await redis.scriptLoad(script);
		expect(await redis.evalsha(sha, [key], ["2"])).toBe(7);
	});

	it("surfaces Redis errors as UpstashError", async () => {
		const key = unique("wrongtype");
		await redis.hset(key, { a: "1" });
		const err = await caught(() => redis.incr(key));
		expect(err).toMatchObject({ name: "UpstashError" });
		expect(String(err)).toMatch(/WRONGTYPE|ERR|wrong/i);
	});

	it("rejects a wrong token", async () => {
		const intruder = new Redis({
			url: bridge.url,
			token: "wrong",
			retry: false,
		});
		const err = await caught(() => intruder.get("anything"));
		expect(String(err)).toContain("Unauthorized");
	});
});

describe("bridge wire format", () => {
	it("base64-encodes every string, including status replies, when asked", async () => {
		const key = unique("b64");
		const b64 = (s: string) => Buffer.from(s).toString("base64");
		const headers = { "Upstash-Encoding": "base64" };
		expect(await rest("/", ["SET", key, "v"], headers)).toEqual({
			status: 200,
			body: { result: b64("OK") },
		});
		expect(await rest("/", ["PING"], headers)).toEqual({
			status: 200,
			body: { result: b64("PONG") },
		});
		const piped = await rest(
			"/pipeline",
			[
				["INCR", `${key}:n`],
				["MGET", key, `${key}:none`],
				["GET", `${key}:none`],
			],
			headers,
		);
		expect(piped.body).toEqual([
			{ result: 1 },
			{ result: [b64("v"), null] },
			{ result: null },
		]);
	});

	it("sends plain JSON without the encoding header, with an explicit null result", async () => {
		expect(await rest("/", ["GET", unique("absent")])).toEqual({
			status: 200,
			body: { result: null },
		});
	});

	it("reports each failing pipeline command in place", async () => {
		const key = unique("pipeerr");
		const { status, body } = await rest("/pipeline", [
			["SET", key, "x"],
			["INCR", key],
			["GET", key],
		]);
		expect(status).toBe(200);
		expect(body).toEqual([
			{ result: "OK" },
			{ error: expect.stringMatching(/not an integer/) },
			{ result: "x" },
		]);
	});

	it("answers a failing single command with 400 and an error", async () => {
		const { status, body } = await rest("/", ["NOSUCHCOMMAND"]);
		expect(status).toBe(400);
		expect(body).toEqual({ error: expect.stringMatching(/unknown/i) });
	});

	it("discards a whole transaction that cannot be queued", async () => {
		const key = unique("execabort");
		const { status, body } = await rest("/multi-exec", [
			["SET", key, "1"],
			["NOSUCHCOMMAND"],
		]);
		expect(status).toBe(400);
		expect(body).toEqual({ error: expect.any(String) });
		expect(await redis.get(key)).toBeNull();
	});

	it("answers 401 without a bearer token", async () => {
		const res = await fetch(bridge.url, { method: "POST", body: '["PING"]' });
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ error: "Unauthorized" });
	});
});
