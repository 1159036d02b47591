import { z } from "zod";

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
		MAX_BODY_BYTES: intFromString(1024, 50 * 1024 * 1024).default(1024 * 1024),
		/** `sendgrid` (production) or `log` (development: log line + dev mailbox). */
		EMAIL_PROVIDER: z.enum(["sendgrid", "log"]).default("sendgrid"),
		SENDGRID_API_KEY: z.string().min(1).optional(),
		EMAIL_FROM_ADDRESS: z.email(),
		EMAIL_FROM_NAME: z.string().min(1).default("VoidShop"),
		EMAIL_REPLY_TO: z.email().optional(),
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
	return cached.result;
}

function describeIssue(issue: z.core.$ZodIssue): string {
	if (issue.code === "invalid_type" && issue.input === undefined)
		return "is required but missing";
	return issue.message;
}
