import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { call, callWith, dbRoundTrips, expectError } from "./helpers/http";

describe("GET /health/live", () => {
	it("answers 200 without touching dependencies", async () => {
		const res = await call("/health/live");
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: "ok" });
		expect(dbRoundTrips(res)).toBe(0);
	});
});

describe("GET /health/ready", () => {
	it("answers 200 when the database and Redis answer, in one db round trip", async () => {
		const res = await call("/health/ready");
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({
			status: "ok",
			checks: { database: { ok: true }, redis: { ok: true } },
		});
		expect(dbRoundTrips(res)).toBe(1);
	});

	it("answers 503 naming the database when it is unreachable", async () => {
		const broken = {
			...env,
			NEON_LOCAL_FETCH_ENDPOINT: "http://127.0.0.1:9/sql",
		};
		const res = await callWith(broken, "/health/ready");
		const error = await expectError(res, 503, "DEPENDENCY_UNAVAILABLE");
		expect(error.details).toMatchObject({
			failed: ["database"],
			checks: { redis: { ok: true } },
		});
		// Later requests of this isolate must go back to the working endpoint.
		expect((await call("/health/ready")).status).toBe(200);
	});

	it("keeps each request's database endpoint its own while requests overlap", async () => {
		const broken = {
			...env,
			NEON_LOCAL_FETCH_ENDPOINT: "http://127.0.0.1:9/sql",
		};
		const app = createApp();
		// Both requests build their db before either queries: an endpoint kept anywhere but in the
		// request's own client would send one of them to the other's database.
		const [failing, working] = await Promise.all([
			callWith(broken, "/health/ready", {}, { app }),
			callWith(env, "/health/ready", {}, { app }),
		]);
		expect([failing.status, working.status]).toEqual([503, 200]);
	});

	it("answers 503 naming Redis when it is unreachable", async () => {
		const broken = { ...env, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" };
		const res = await callWith(broken, "/health/ready");
		const error = await expectError(res, 503, "DEPENDENCY_UNAVAILABLE");
		expect(error.details).toMatchObject({
			failed: ["redis"],
			checks: { database: { ok: true } },
		});
	});
});
