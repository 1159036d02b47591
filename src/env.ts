import { z } from "zod";
import { setImageBaseUrl } from "./lib/image-url";
import { setLogLevel } from "./lib/log";
import { PRODUCTION_HASH_ROUNDS } from "./modules/auth/password";

/**
 * Runtime configuration, parsed once per isolate from the Worker's env (vars + secrets).
 * Bindings (R2, queues) are typed by `wrangler types` in worker-configuration.d.ts.
 */
const csv = z
	.string()
	.transform((s) =>
		s
			.split(",")
			.map((v) => v.trim())
			.filter(Boolean),
	)
	.pipe(z.array(z.url({ protocol: /^https?$/ })));

const localUrl = z.url({ protocol: /^https?$/ });

const intFromString = (min: number, max: number) =>
	z.coerce.number().int().min(min).max(max);

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A rate limit written `<requests>/<window>`, e.g. `10/60s`, `5/15m`, `100/1h`. */
const rateLimit = (fallback: string) =>
	z
		.string()
		.default(fallback)
		.transform((value, ctx) => {
			const m = /^(\d+)\/(\d+)(ms|s|m|h|d)$/.exec(value.replace(/\s+/g, ""));
			const tokens = Number(m?.[1]);
			const windowMs = Number(m?.[2]) * UNIT_MS[m?.[3] as keyof typeof UNIT_MS];
			if (!m || tokens < 1 || !(windowMs >= 1000)) {
				ctx.addIssue({
					code: "custom",
					message:
						'must look like "10/60s" (requests/window, window of at least 1s in ms|s|m|h|d)',
				});
				return z.NEVER;
			}
			return { tokens, windowMs };
		});

/** A duration written `<n><unit>` (ms|s|m|h|d), e.g. `30m`, as milliseconds. */
const duration = (fallback: string, minMs: number, maxMs: number) =>
	z
		.string()
		.default(fallback)
		.transform((value, ctx) => {
			const m = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim());
			const ms = Number(m?.[1]) * UNIT_MS[m?.[2] as keyof typeof UNIT_MS];
			if (!m || !(ms >= minMs && ms <= maxMs)) {
				ctx.addIssue({
					code: "custom",
					message: `must look like "30m" (a number and ms|s|m|h|d, between ${minMs / 1000}s and ${maxMs / 3_600_000}h)`,
				});
				return z.NEVER;
			}
			return ms;
		});

export const configSchema = z
	.object({
		ENVIRONMENT: z.enum(["development", "test", "production"]),
		LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
		DATABASE_URL: z
			.string()
			.regex(
				/^postgres(ql)?:\/\/.+/,
				"must be a postgres:// connection string",
			),
		/** Local stack only: the Neon proxy's SQL-over-HTTP endpoint (http://127.0.0.1:8788/sql). */
		NEON_LOCAL_FETCH_ENDPOINT: localUrl.optional(),
		UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }),
		UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
		JWT_SECRET: z
			.string()
			.refine(
				(s) => new TextEncoder().encode(s).byteLength >= 32,
				"must be at least 32 bytes",
			),
		JWT_ISSUER: z.string().min(1),
		JWT_AUDIENCE: z.string().min(1),
		CORS_ORIGINS: csv,
		STOREFRONT_URL: z.url({ protocol: /^https?$/ }),
		/**
		 * SameSite of the refresh and cart cookies: `Strict` when storefront and API are
		 * same-site, `None` when a storefront on another site must send them (README).
		 */
		COOKIE_SAMESITE: z.enum(["Strict", "Lax", "None"]).default("Strict"),
		/**
		 * The API's public origin (https://api.shop.example), named as `servers` in the OpenAPI
		 * document; unset, the document names the relative `/v1`. Never taken from the request's Host.
		 */
		PUBLIC_API_URL: z
			.url({ protocol: /^https?$/ })
			.optional()
			.transform((v) => v?.replace(/\/+$/, "") || undefined),
		/**
		 * Public base URL under which image keys are served: the Worker's own
		 * `https://<api host>/v1/images`, or a CDN / R2 custom domain serving the bucket. Image URLs
		 * in responses are `<base>/<key>`. Unset: PUBLIC_API_URL + `/v1/images`, else (outside
		 * production) `wrangler dev`'s address.
		 */
		IMAGE_BASE_URL: z
			.url({ protocol: /^https?$/ })
			.refine(
				(u) => !/[?#]/.test(u),
				"must be a base URL without query or fragment",
			)
			.transform((u) => u.replace(/\/+$/, ""))
			.optional(),
		MAX_BODY_BYTES: intFromString(1024, 50 * 1024 * 1024).default(1024 * 1024),
		RATE_LIMIT_LOGIN_IP: rateLimit("20/5m"),
		RATE_LIMIT_LOGIN_EMAIL: rateLimit("10/15m"),
		RATE_LIMIT_REGISTER_IP: rateLimit("10/1h"),
		RATE_LIMIT_FORGOT_IP: rateLimit("5/15m"),
		RATE_LIMIT_FORGOT_EMAIL: rateLimit("3/15m"),
		RATE_LIMIT_LOGIN_EMAIL_ALL: rateLimit("100/1h"),
		RATE_LIMIT_FORGOT_EMAIL_ALL: rateLimit("10/1h"),
		RATE_LIMIT_REFRESH_IP: rateLimit("60/1m"),
		RATE_LIMIT_PASSWORD_USER: rateLimit("5/15m"),
		RATE_LIMIT_GUEST_CART_IP: rateLimit("30/1h"),
		/**
		 * Password hashing cost: chained PBKDF2-SHA256 calls of 100,000 iterations each. 6 (600,000,
		 * OWASP's floor) by default and at least that in production; tests may go lower.
		 */
		PASSWORD_HASH_ROUNDS: intFromString(1, 20).default(PRODUCTION_HASH_ROUNDS),
		/** `sendgrid` (production) or `log` (development: log line + dev mailbox). */
		EMAIL_PROVIDER: z.enum(["sendgrid", "log"]).default("sendgrid"),
		// Empty means unset, so .dev.vars can list it blank (wrangler warns about absent secrets).
		SENDGRID_API_KEY: z
			.string()
			.optional()
			.transform((v) => v || undefined),
		EMAIL_FROM_ADDRESS: z.email(),
		EMAIL_FROM_NAME: z.string().min(1).default("VoidShop"),
		EMAIL_REPLY_TO: z.email().optional(),
		STRIPE_SECRET_KEY: z
			.string()
			.regex(
				/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/,
				"must be a Stripe secret key (sk_test_… or sk_live_…)",
			),
		STRIPE_PUBLISHABLE_KEY: z
			.string()
			.regex(
				/^pk_(test|live)_[A-Za-z0-9_]+$/,
				"must be a Stripe publishable key (pk_test_… or pk_live_…)",
			),
		STRIPE_WEBHOOK_SECRET: z
			.string()
			.regex(
				/^whsec_[A-Za-z0-9_]+$/,
				"must be a Stripe webhook signing secret (whsec_…)",
			),
		/** Local stack only: the Stripe stand-in's base URL (http://127.0.0.1:8790). */
		STRIPE_LOCAL_URL: localUrl.optional(),
		STRIPE_TIMEOUT_MS: intFromString(500, 20_000).default(8000),
		/** Deadline of one database round trip (one query or batch), in ms. */
		DB_TIMEOUT_MS: intFromString(100, 20_000).default(5000),
		/** Deadline of one Redis command (the client retries once), in ms. */
		REDIS_TIMEOUT_MS: intFromString(50, 5000).default(1000),
		/** How long a rate-limit check may wait for Redis before failing open, in ms. */
		RATE_LIMIT_TIMEOUT_MS: intFromString(50, 5000).default(300),
		/** Deadline of one email provider call (queue consumer), in ms. */
		EMAIL_TIMEOUT_MS: intFromString(500, 30_000).default(10_000),
		/**
		 * How long after its rotation a refresh token still answers (with the same successor)
		 * instead of counting as reuse, e.g. `30s`; `0s` turns the grace off.
		 */
		REFRESH_REUSE_GRACE: duration("30s", 0, 5 * 60_000),
		/**
		 * How long an isolate reuses the catalog cache generation it read from Redis, e.g. `2s`
		 * (0s to 60s): admin catalog writes reach shoppers in other isolates within this. `0s`
		 * reads Redis on every public catalog request.
		 */
		CATALOG_VERSION_TTL: duration("2s", 0, 60_000),
		/** How long an unpaid order holds its stock, e.g. `30m` (1 minute to 7 days). */
		ORDER_PAYMENT_WINDOW: duration("30m", 60_000, 7 * 86_400_000),
	})
	.superRefine((cfg, ctx) => {
		if (cfg.EMAIL_PROVIDER === "sendgrid" && !cfg.SENDGRID_API_KEY) {
			ctx.addIssue({
				code: "custom",
				path: ["SENDGRID_API_KEY"],
				message: "is required when EMAIL_PROVIDER=sendgrid",
			});
		}
		if (cfg.ENVIRONMENT !== "production") return;
		if (cfg.PASSWORD_HASH_ROUNDS < PRODUCTION_HASH_ROUNDS) {
			ctx.addIssue({
				code: "custom",
				path: ["PASSWORD_HASH_ROUNDS"],
				message: `must be at least ${PRODUCTION_HASH_ROUNDS} in production (600,000 PBKDF2-SHA256 iterations, OWASP's floor)`,
			});
		}
		const imageBase = imageBaseOf(cfg);
		const imageVariable = cfg.IMAGE_BASE_URL
			? "IMAGE_BASE_URL"
			: "PUBLIC_API_URL";
		if (imageBase === undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["IMAGE_BASE_URL"],
				message:
					"is required in production unless PUBLIC_API_URL is set (image URLs are absolute)",
			});
		} else if (
			new URL(imageBase).protocol !== "https:" ||
			/^(localhost|127\.|\[::1\])/.test(new URL(imageBase).host)
		) {
			ctx.addIssue({
				code: "custom",
				path: [imageVariable],
				message: "must be a public https URL in production (image URLs use it)",
			});
		}
		if (cfg.EMAIL_PROVIDER === "log") {
			ctx.addIssue({
				code: "custom",
				path: ["EMAIL_PROVIDER"],
				message: "must not be `log` in production",
			});
		}
		if (cfg.NEON_LOCAL_FETCH_ENDPOINT !== undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["NEON_LOCAL_FETCH_ENDPOINT"],
				message: "is a local-stack setting and must not be set in production",
			});
		}
		if (cfg.STRIPE_LOCAL_URL !== undefined) {
			ctx.addIssue({
				code: "custom",
				path: ["STRIPE_LOCAL_URL"],
				message: "is a local-stack setting and must not be set in production",
			});
		}
		if (
			/_local/.test(cfg.STRIPE_SECRET_KEY) ||
			/_local/.test(cfg.STRIPE_WEBHOOK_SECRET)
		) {
			ctx.addIssue({
				code: "custom",
				path: [
					/_local/.test(cfg.STRIPE_SECRET_KEY)
						? "STRIPE_SECRET_KEY"
						: "STRIPE_WEBHOOK_SECRET",
				],
				message:
					"is the local stand-in's value; set the real one from the Stripe dashboard",
			});
		}
		if (cfg.JWT_SECRET.startsWith("replace-me")) {
			ctx.addIssue({
				code: "custom",
				path: ["JWT_SECRET"],
				message: "is the example value; set a random secret",
			});
		}
		const plainHttp = (url: string) => new URL(url).protocol === "http:";
		if (plainHttp(cfg.UPSTASH_REDIS_REST_URL)) {
			ctx.addIssue({
				code: "custom",
				path: ["UPSTASH_REDIS_REST_URL"],
				message: "must use https in production",
			});
		}
		if (cfg.CORS_ORIGINS.some(plainHttp)) {
			ctx.addIssue({
				code: "custom",
				path: ["CORS_ORIGINS"],
				message: "must use https origins in production",
			});
		}
	});

export type Config = z.output<typeof configSchema>;

/** Where image keys are served: IMAGE_BASE_URL, else the Worker's own /v1/images. */
function imageBaseOf(cfg: {
	IMAGE_BASE_URL?: string;
	PUBLIC_API_URL?: string;
}): string | undefined {
	return (
		cfg.IMAGE_BASE_URL ??
		(cfg.PUBLIC_API_URL && `${cfg.PUBLIC_API_URL}/v1/images`)
	);
}

export class ConfigError extends Error {
	readonly issues: { variable: string; message: string }[];

	constructor(issues: { variable: string; message: string }[]) {
		super(
			`Invalid configuration: ${issues.map((i) => `${i.variable} ${i.message}`).join("; ")}`,
		);
		this.name = "ConfigError";
		this.issues = issues;
	}
}

let cached: { source: object; result: Config | ConfigError } | undefined;

/**
 * Validates the env once per isolate (the env object is stable for an isolate's lifetime,
 * tests may swap it, hence the identity check). Throws a ConfigError naming each bad variable.
 */
export function loadConfig(env: object): Config {
	if (cached?.source !== env) {
		const parsed = configSchema.safeParse(env);
		const result = parsed.success
			? parsed.data
			: new ConfigError(
					parsed.error.issues.map((issue) => ({
						variable: String(issue.path[0] ?? "(env)"),
						message:
							issue.path.length === 0 ? issue.message : describeIssue(issue),
					})),
				);
		if (result instanceof ConfigError)
			console.error(JSON.stringify({ level: "error", msg: result.message }));
		cached = { source: env, result };
	}
	if (cached.result instanceof ConfigError) throw cached.result;
	setLogLevel(cached.result.LOG_LEVEL);
	setImageBaseUrl(imageBaseOf(cached.result));
	return cached.result;
}

function describeIssue(issue: z.core.$ZodIssue): string {
	if (issue.code === "invalid_type" && issue.input === undefined)
		return "is required but missing";
	return issue.message;
}
