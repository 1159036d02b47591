import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig } from "../../src/env";
import { imageUrl } from "../../src/lib/image-url";
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
		// The test env's one round is a test-only setting: production takes the default (6).
		PASSWORD_HASH_ROUNDS: undefined,
	};

	it("refuses local-only settings in production", () => {
		const issues = issuesFor({ ENVIRONMENT: "production" });
		expect(issues.map((i) => i.variable).sort()).toEqual([
			"CORS_ORIGINS",
			"EMAIL_PROVIDER",
			"NEON_LOCAL_FETCH_ENDPOINT",
			"PASSWORD_HASH_ROUNDS",
			"STRIPE_LOCAL_URL",
			"UPSTASH_REDIS_REST_URL",
		]);
	});

	it("refuses a password hashing cost below OWASP's 600,000 iterations in production", () => {
		for (const rounds of ["1", "5"])
			expect(
				issuesFor({ ...production, PASSWORD_HASH_ROUNDS: rounds }),
			).toEqual([
				expect.objectContaining({
					variable: "PASSWORD_HASH_ROUNDS",
					message: expect.stringContaining("at least 6"),
				}),
			]);
		expect(issuesFor({ ...production, PASSWORD_HASH_ROUNDS: "6" })).toEqual([]);
		expect(loadConfig({ ...env, ...production }).PASSWORD_HASH_ROUNDS).toBe(6);
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

	it("serves images under IMAGE_BASE_URL, else PUBLIC_API_URL/v1/images: public https in production", () => {
		const none = { IMAGE_BASE_URL: undefined, PUBLIC_API_URL: undefined };
		for (const [overrides, variable] of [
			[none, "IMAGE_BASE_URL"],
			[
				{ IMAGE_BASE_URL: "http://images.example.com/v1/images" },
				"IMAGE_BASE_URL",
			],
			[
				{ IMAGE_BASE_URL: "https://127.0.0.1:8787/v1/images" },
				"IMAGE_BASE_URL",
			],
			[{ IMAGE_BASE_URL: "https://localhost/v1/images" }, "IMAGE_BASE_URL"],
			[{ ...none, PUBLIC_API_URL: "http://api.example.com" }, "PUBLIC_API_URL"],
		] as const)
			expect(
				issuesFor({ ...production, ...overrides }),
				JSON.stringify(overrides),
			).toEqual([expect.objectContaining({ variable })]);
		expect(
			issuesFor({ IMAGE_BASE_URL: "https://cdn.example.com/i?x=1" }),
		).toEqual([expect.objectContaining({ variable: "IMAGE_BASE_URL" })]);
		expect(
			issuesFor({ ...production, IMAGE_BASE_URL: "https://cdn.example.com/" }),
		).toEqual([]);
		expect(imageUrl("k.png")).toBe("https://cdn.example.com/k.png");
		expect(
			issuesFor({
				...production,
				IMAGE_BASE_URL: undefined,
				PUBLIC_API_URL: "https://api.example.com",
			}),
		).toEqual([]);
		expect(imageUrl("k.png")).toBe("https://api.example.com/v1/images/k.png");
		// Outside production both may be left out: wrangler dev's address.
		expect(issuesFor({ ENVIRONMENT: "development", ...none })).toEqual([]);
		expect(imageUrl("k.png")).toBe("http://localhost:8787/v1/images/k.png");
		loadConfig(env);
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

	describe("COOKIE_SAMESITE", () => {
		const clearedCookies = async (overrides: Record<string, unknown>) => {
			const res = await callWith({ ...env, ...overrides }, "/v1/auth/logout", {
				method: "POST",
			});
			expect(res.status).toBe(204);
			return res.headers.getSetCookie().join("\n");
		};

		it("defaults to Strict (same-site storefronts)", async () => {
			expect(
				loadConfig({ ...env, COOKIE_SAMESITE: undefined }).COOKIE_SAMESITE,
			).toBe("Strict");
			expect(await clearedCookies({ COOKIE_SAMESITE: undefined })).toMatch(
				/^vs_refresh=;.*; Secure; SameSite=Strict$/m,
			);
		});

		it("sets SameSite=None (still Secure, HttpOnly) for a storefront on another site", async () => {
			const cookie = await clearedCookies({ COOKIE_SAMESITE: "None" });
			expect(cookie).toMatch(
				/^vs_refresh=;.*HttpOnly; Secure; SameSite=None$/m,
			);
		});

		it("refuses anything but Strict, Lax or None", () => {
			expect(issuesFor({ COOKIE_SAMESITE: "none-please" })).toEqual([
				expect.objectContaining({ variable: "COOKIE_SAMESITE" }),
			]);
		});
	});
});
