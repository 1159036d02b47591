import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import type { TestStack } from "./tests/global-setup";

/** Test-only values; the real ones come from `wrangler secret put` / .dev.vars. */
export const TEST_VARS = {
	ENVIRONMENT: "test",
	LOG_LEVEL: "error",
	JWT_SECRET: "test-jwt-secret-that-is-at-least-32-bytes-long",
	JWT_ISSUER: "voidshop-test",
	JWT_AUDIENCE: "voidshop-test-api",
	CORS_ORIGINS: "http://localhost:3000",
	STOREFRONT_URL: "http://localhost:3000",
	COOKIE_SAMESITE: "Strict",
	PUBLIC_API_URL: "https://api.voidshop.test",
	// Another host than the one tests call, so absolute image URLs provably come from config.
	IMAGE_BASE_URL: "https://images.voidshop.test/v1/images",
	MAX_BODY_BYTES: "65536",
	RATE_LIMIT_LOGIN_IP: "20/5m",
	RATE_LIMIT_LOGIN_EMAIL: "5/15m",
	RATE_LIMIT_REGISTER_IP: "10/1h",
	RATE_LIMIT_FORGOT_IP: "5/15m",
	RATE_LIMIT_FORGOT_EMAIL: "3/15m",
	RATE_LIMIT_LOGIN_EMAIL_ALL: "100/1h",
	RATE_LIMIT_FORGOT_EMAIL_ALL: "10/1h",
	RATE_LIMIT_REFRESH_IP: "60/1m",
	RATE_LIMIT_PASSWORD_USER: "5/15m",
	// Most tests add to carts without CF-Connecting-IP, all as one client; the limit's own test
	// sets a low one.
	RATE_LIMIT_GUEST_CART_IP: "100000/1m",
	// One chained PBKDF2 call (100,000 iterations) keeps the suite fast; production refuses
	// fewer than 6, and tests/workers/password.test.ts runs the production cost.
	PASSWORD_HASH_ROUNDS: "1",
	EMAIL_PROVIDER: "log",
	EMAIL_FROM_ADDRESS: "shop@voidshop.test",
	EMAIL_FROM_NAME: "VoidShop",
	STRIPE_SECRET_KEY: "sk_test_voidshop_tests",
	STRIPE_PUBLISHABLE_KEY: "pk_test_voidshop_tests",
	STRIPE_WEBHOOK_SECRET: "whsec_voidshop_tests",
	STRIPE_TIMEOUT_MS: "3000",
	DB_TIMEOUT_MS: "5000",
	REDIS_TIMEOUT_MS: "1000",
	RATE_LIMIT_TIMEOUT_MS: "300",
	EMAIL_TIMEOUT_MS: "10000",
	ORDER_PAYMENT_WINDOW: "30m",
	REFRESH_REUSE_GRACE: "30s",
	// Test files run side by side and share Redis: a long memo keeps one file's catalog writes
	// from turning another file's expected cache hits into misses (see catalog.cache-purge.test.ts).
	CATALOG_VERSION_TTL: "60s",
};

/**
 * The fuzzer's seed and runs per operation (tests/workers/fuzz.test.ts): fixed in `npm test`;
 * `npm run fuzz` draws a random seed (printed, and named on failure) and runs longer;
 * `FUZZ_SEED=<seed>` / `FUZZ_RUNS=<n>` set either.
 */
const longFuzz = process.env.npm_lifecycle_event === "fuzz";
const FUZZ_VARS = {
	FUZZ_SEED:
		process.env.FUZZ_SEED ??
		(longFuzz ? String(Math.floor(Math.random() * 2 ** 31)) : ""),
	FUZZ_RUNS: process.env.FUZZ_RUNS ?? (longFuzz ? "300" : ""),
};

export default defineConfig({
	test: {
		// At the root so the stack (Node code) is loaded with Node resolution, not workerd's.
		globalSetup: ["./tests/global-setup.ts"],
		projects: [
			{
				plugins: [
					cloudflareTest(({ inject }) => {
						const stack = inject<TestStack>("stack");
						return {
							wrangler: { configPath: "./wrangler.toml" },
							miniflare: {
								bindings: {
									...TEST_VARS,
									DATABASE_URL: stack.connectionString,
									NEON_LOCAL_FETCH_ENDPOINT: stack.neonFetchEndpoint,
									UPSTASH_REDIS_REST_URL: stack.upstashUrl,
									UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
									STRIPE_LOCAL_URL: stack.stripeUrl,
									TEST_FAULT_DEAD_URL: stack.faults.dead,
									TEST_FAULT_HANG_URL: stack.faults.hang,
									...FUZZ_VARS,
									TEST_LOCAL_HOSTS: [
										stack.neonFetchEndpoint,
										stack.upstashUrl,
										stack.stripeUrl,
										stack.faults.dead,
										stack.faults.hang,
									]
										.map((url) => new URL(url).host)
										.join(","),
								},
							},
						};
					}),
				],
				test: {
					name: "workers",
					include: ["tests/workers/**/*.test.ts"],
					setupFiles: ["./tests/workers/setup.ts"],
					testTimeout: 20_000,
				},
			},
			{
				test: {
					name: "conformance",
					environment: "node",
					include: ["tests/conformance/**/*.test.ts"],
					testTimeout: 30_000,
					hookTimeout: 60_000,
				},
			},
		],
	},
});
