import { Ratelimit } from "@upstash/ratelimit";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import type { Config } from "../env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";

/** Each limit and the config variable that sets it (`<requests>/<window>`). */
const LIMITS = {
	login_ip: "RATE_LIMIT_LOGIN_IP",
	login_email: "RATE_LIMIT_LOGIN_EMAIL",
	register_ip: "RATE_LIMIT_REGISTER_IP",
	forgot_ip: "RATE_LIMIT_FORGOT_IP",
	forgot_email: "RATE_LIMIT_FORGOT_EMAIL",
	refresh_ip: "RATE_LIMIT_REFRESH_IP",
} as const satisfies Record<string, keyof Config>;

type LimitName = keyof typeof LIMITS;

/** The outcome whose headers this request already carries, so a later, looser check keeps them. */
const shown = new WeakMap<Context<AppEnv>, Outcome>();

/** A limiter on this request's Redis client (cheap to build: no state beyond its settings). */
function limiter(c: Context<AppEnv>, name: LimitName): Ratelimit {
	const { config, redis } = c.var.services;
	const { tokens, windowMs } = config[LIMITS[name]];
	return new Ratelimit({
		redis,
		limiter: Ratelimit.slidingWindow(tokens, `${windowMs} ms`),
		prefix: `voidshop:rl:${name}`,
		analytics: false,
		// An isolate-local "blocked" cache would let one isolate keep refusing after the window
		// moved on and makes limits differ per isolate; every decision goes to Redis instead.
		ephemeralCache: false,
		// Bounded well below the Redis client's own deadline: a hung Redis costs a login at most
		// this long (the limiters run in parallel), then the check fails open (below).
		timeout: config.RATE_LIMIT_TIMEOUT_MS,
	});
}

/** The client's address as Cloudflare saw it; the header is set (and overwritten) by the edge. */
function clientIp(c: Context<AppEnv>): string {
	return c.req.header("CF-Connecting-IP") ?? "unknown";
}

interface Outcome {
	name: LimitName;
	success: boolean;
	limit: number;
	remaining: number;
	reset: number;
}

/**
 * Counts this request against each `[limit, key]` (in parallel) and answers 429 RATE_LIMITED
 * with `Retry-After` and `RateLimit-*` when any is exhausted; otherwise the `RateLimit-*`
 * headers of the tightest limit go on the response.
 *
 * When Redis is unreachable or slower than RATE_LIMIT_TIMEOUT_MS the request is allowed (fail open)
 * and a warning is logged with the request id: these limits slow down guessing and abuse, and the
 * endpoints stay protected by PBKDF2's cost and single-use tokens, whereas failing closed would
 * turn a Redis outage into nobody being able to log in.
 */
export async function enforceRateLimits(
	c: Context<AppEnv>,
	checks: [LimitName, string][],
): Promise<void> {
	const outcomes = await Promise.all(
		checks.map(async ([name, key]): Promise<Outcome | undefined> => {
			try {
				const r = await limiter(c, name).limit(key);
				if (r.reason === "timeout") throw new Error("timed out");
				return { name, ...r };
			} catch (err) {
				log("warn", "rate limit check failed; request allowed", {
					requestId: c.get("requestId"),
					limit: name,
					error: err instanceof Error ? err.message : String(err),
				});
				return undefined;
			}
		}),
	);
	const known = outcomes.filter((o): o is Outcome => o !== undefined);
	const previous = shown.get(c);
	if (previous) known.push(previous);
	const tightest =
		known.find((o) => !o.success) ??
		known.toSorted((a, b) => a.remaining - b.remaining)[0];
	if (!tightest) return;
	shown.set(c, tightest);
	const resetSeconds = Math.max(
		0,
		Math.ceil((tightest.reset - Date.now()) / 1000),
	);
	const headers: Record<string, string> = {
		"RateLimit-Limit": String(tightest.limit),
		"RateLimit-Remaining": String(Math.max(0, tightest.remaining)),
		"RateLimit-Reset": String(resetSeconds),
	};
	if (!tightest.success) headers["Retry-After"] = String(resetSeconds);
	for (const [name, value] of Object.entries(headers)) c.header(name, value);
	if (!tightest.success)
		throw new ApiError(
			"RATE_LIMITED",
			"Too many requests; try again later",
			{ retryAfterSeconds: resetSeconds },
			headers,
		);
}

/** Route middleware: one per-IP limit, checked before the body is even parsed. */
export const rateLimitByIp = (name: LimitName) =>
	createMiddleware<AppEnv>(async (c, next) => {
		await enforceRateLimits(c, [[name, clientIp(c)]]);
		await next();
	});
