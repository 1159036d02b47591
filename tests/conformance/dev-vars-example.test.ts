import { readFileSync } from "node:fs";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/env";

const text = readFileSync(
	new URL("../../.dev.vars.example", import.meta.url),
	"utf8",
);

describe(".dev.vars.example", () => {
	it("is a valid development configuration", () => {
		const parsed = configSchema.safeParse(parseEnv(text));
		expect(parsed.error?.issues ?? []).toEqual([]);
		expect(parsed.data?.ENVIRONMENT).toBe("development");
		expect(parsed.data?.COOKIE_SAMESITE).toBe("Strict");
	});

	it("documents every configuration variable (set, or commented out)", () => {
		const missing = Object.keys(configSchema.shape).filter(
			(name) => !new RegExp(`^#? ?${name}=`, "m").test(text),
		);
		expect(missing).toEqual([]);
	});

	it("carries development-sized rate limits: one developer (one client address) is never locked out", () => {
		const cfg = configSchema.parse(parseEnv(text));
		const perHour = (l: { tokens: number; windowMs: number }) =>
			(l.tokens * 3_600_000) / l.windowMs;
		// A morning of sign-up and login testing from 127.0.0.1.
		expect(perHour(cfg.RATE_LIMIT_REGISTER_IP)).toBeGreaterThanOrEqual(100);
		expect(perHour(cfg.RATE_LIMIT_LOGIN_IP)).toBeGreaterThanOrEqual(1000);
		expect(perHour(cfg.RATE_LIMIT_REFRESH_IP)).toBeGreaterThanOrEqual(1000);
		expect(cfg.RATE_LIMIT_LOGIN_EMAIL.tokens).toBeGreaterThanOrEqual(50);
		expect(cfg.RATE_LIMIT_FORGOT_IP.tokens).toBeGreaterThanOrEqual(50);
	});
});
