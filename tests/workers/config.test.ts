import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig } from "../../src/env";
import { callWith, expectError } from "./helpers/http";

function requestWith(overrides: Record<string, unknown>) {
	vi.spyOn(console, "error").mockImplementation(() => {});
	return callWith({ ...env, ...overrides }, "/health/live");
}

function issuesFor(overrides: Record<string, unknown>) {
	try {
		loadConfig({ ...env, ...overrides });
	} catch (err) {
		if (err instanceof ConfigError) return err.issues;
		throw err;
	}
	return [];
}

describe("configuration", () => {
	it("answers 500 CONFIG_INVALID naming a missing variable", async () => {
		const res = await requestWith({ JWT_SECRET: undefined });
		const error = await expectError(res, 500, "CONFIG_INVALID");
		expect(error.details).toEqual({
			variables: [
				{ variable: "JWT_SECRET", message: "is required but missing" },
			],
		});
		expect(res.headers.get("Server-Timing")).toContain("db;desc=");
	});

	it("names a malformed variable without echoing its value", async () => {
		const res = await requestWith({
			DATABASE_URL: "mysql://user:s3cret@host/db",
		});
		const error = await expectError(res, 500, "CONFIG_INVALID");
		expect(error.details).toEqual({
			variables: [expect.objectContaining({ variable: "DATABASE_URL" })],
		});
		expect(JSON.stringify(error)).not.toContain("s3cret");
	});

	it("rejects a JWT secret shorter than 32 bytes", () => {
		expect(issuesFor({ JWT_SECRET: "short" })).toEqual([
			{ variable: "JWT_SECRET", message: "must be at least 32 bytes" },
		]);
	});

	const production = {
		ENVIRONMENT: "production",
		NEON_LOCAL_FETCH_ENDPOINT: undefined,
		STRIPE_LOCAL_URL: undefined,
		UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
		CORS_ORIGINS: "https://shop.example.com",
		EMAIL_PROVIDER: "sendgrid",
		SENDGRID_API_KEY: "SG.production-key",
	};

	it("refuses local-only settings in production", () => {
		const issues = issuesFor({ ENVIRONMENT: "production" });
		expect(issues.map((i) => i.variable).sort()).toEqual([
			"CORS_ORIGINS",
			"EMAIL_PROVIDER",
			"NEON_LOCAL_FETCH_ENDPOINT",
			"STRIPE_LOCAL_URL",
			"UPSTASH_REDIS_REST_URL",
		]);
	});

	it("refuses the local Stripe stand-in's keys in production", () => {
		const issues = issuesFor({
			...production,
			STRIPE_SECRET_KEY: "sk_test_local_voidshop",
		});
		expect(issues).toEqual([
			expect.objectContaining({ variable: "STRIPE_SECRET_KEY" }),
		]);
	});

	it("validates Stripe keys and the payment window", () => {
		const issues = issuesFor({
			STRIPE_SECRET_KEY: "pk_test_wrong_kind",
			STRIPE_WEBHOOK_SECRET: "secret",
			ORDER_PAYMENT_WINDOW: "30 minutes",
		});
		expect(issues.map((i) => i.variable).sort()).toEqual([
			"ORDER_PAYMENT_WINDOW",
			"STRIPE_SECRET_KEY",
			"STRIPE_WEBHOOK_SECRET",
		]);
		expect(
			loadConfig({ ...env, ORDER_PAYMENT_WINDOW: "2h" }).ORDER_PAYMENT_WINDOW,
		).toBe(7_200_000);
	});

	it("accepts a production configuration without local settings", () => {
		expect(issuesFor(production)).toEqual([]);
	});

	it("refuses the example JWT secret in production", () => {
		const issues = issuesFor({
			...production,
			JWT_SECRET: "replace-me-with-at-least-32-random-bytes-for-local-dev",
		});
		expect(issues).toEqual([
			expect.objectContaining({ variable: "JWT_SECRET" }),
		]);
	});

	it("requires a SendGrid key when SendGrid is the provider", () => {
		const issues = issuesFor({ ...production, SENDGRID_API_KEY: undefined });
		expect(issues).toEqual([
			{
				variable: "SENDGRID_API_KEY",
				message: "is required when EMAIL_PROVIDER=sendgrid",
			},
		]);
	});
});
