import { describe, expect, it } from "vitest";
import { resolveScriptTarget } from "../../dev/neon-pool";
import { localPorts } from "../../dev/ports";

const vars = {
	DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:8791/postgres",
	NEON_LOCAL_FETCH_ENDPOINT: "http://127.0.0.1:8788/sql",
	UPSTASH_REDIS_REST_URL: "http://127.0.0.1:8789",
	STRIPE_LOCAL_URL: "http://127.0.0.1:8790",
};

describe("local ports (one resolver for npm run dev and the scripts)", () => {
	it("db:migrate, seed and admin:create reach the proxy on NEON_PROXY_PORT, as npm run dev binds it", () => {
		const env = { NEON_PROXY_PORT: "18788" };
		expect(localPorts(vars, env).neonProxy).toBe(18788);
		expect(resolveScriptTarget(false, vars, env)).toEqual({
			connectionString: vars.DATABASE_URL,
			wsProxy: "127.0.0.1:18788/v2",
		});
	});

	it("falls back to .dev.vars' endpoint, then to the defaults", () => {
		expect(resolveScriptTarget(false, vars, {}).wsProxy).toBe(
			"127.0.0.1:8788/v2",
		);
		expect(
			localPorts(
				{ ...vars, NEON_LOCAL_FETCH_ENDPOINT: "http://127.0.0.1:9000/sql" },
				{},
			).neonProxy,
		).toBe(9000);
		expect(localPorts({}, {})).toEqual({
			worker: 8787,
			neonProxy: 8788,
			upstash: 8789,
			stripe: 8790,
			postgres: 8791,
		});
	});

	it("names a malformed port", () => {
		expect(() => localPorts(vars, { PORT: "eighty" })).toThrow(
			'PORT must be a port number, got "eighty"',
		);
	});

	it("--neon needs DATABASE_URL and uses no local relay", () => {
		expect(() => resolveScriptTarget(true, vars, {})).toThrow(/DATABASE_URL/);
		expect(
			resolveScriptTarget(true, vars, { DATABASE_URL: "postgres://neon/db" }),
		).toEqual({ connectionString: "postgres://neon/db" });
	});
});
