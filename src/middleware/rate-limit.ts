import { Ratelimit } from "@upstash/ratelimit";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import type { Config } from "../env";
import { withDeadline } from "../lib/deadline";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";

/** Each limit and the config variable that sets it (`<requests>/<window>`). */
const LIMITS = {
	login_ip: "RATE_LIMIT_LOGIN_IP",
	login_email: "RATE_LIMIT_LOGIN_EMAIL",
	login_email_all: "RATE_LIMIT_LOGIN_EMAIL_ALL",
	register_ip: "RATE_LIMIT_REGISTER_IP",
	forgot_ip: "RATE_LIMIT_FORGOT_IP",
	forgot_email: "RATE_LIMIT_FORGOT_EMAIL",
	forgot_email_all: "RATE_LIMIT_FORGOT_EMAIL_ALL",
	refresh_ip: "RATE_LIMIT_REFRESH_IP",
	password_user: "RATE_LIMIT_PASSWORD_USER",
	guest_cart_ip: "RATE_LIMIT_GUEST_CART_IP",
} as const satisfies Record<string, keyof Config>;

type LimitName = keyof typeof LIMITS;
type Check = [LimitName, string];

/** The outcome whose headers this request already carries, so a later, looser check keeps them. */
const shown = new WeakMap<Context<AppEnv>, Outcome>();

/**
 * Requests in which a limit check already failed or timed out: their later checks and counts
 * skip Redis (fail open at once), so a hung Redis costs a request one RATE_LIMIT_TIMEOUT_MS, not
 * one per check (a failed login makes three rounds of them).
 */
const redisFailed = new WeakSet<Context<AppEnv>>();

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
		// The library's own timeout is a plain timer that a stalled isolate fires before the answer
		// is read; enforceRateLimits bounds each call with withDeadline (lib/deadline.ts) instead.
		timeout: 0,
	});
}

/**
 * The client's network for limits: an IPv4 address, or an IPv6 address's /64 (one subscriber
 * usually holds a whole /64, so per-address keys would let it rotate freely). The address comes
 * from `CF-Connecting-IP`, which Cloudflare's edge sets and overwrites; under `wrangler dev` and
 * in tests it is whatever the client sent (tests set it on purpose to act as distinct clients).
 */
export function clientNetwork(c: Context<AppEnv>): string {
	return networkOf(c.req.header("CF-Connecting-IP") ?? "unknown");
}

export function networkOf(ip: string): string {
	const address = ip.trim().toLowerCase();
	if (!address.includes(":")) return address;
	// IPv4-mapped IPv6 (::ffff:192.0.2.1) is the IPv4 client.
	const v4 = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
	if (v4?.[1] && address.startsWith("::ffff:")) return v4[1];
	const [head = "", tail] = address.split("::");
	const headGroups = head ? head.split(":") : [];
	const tailGroups = tail ? tail.split(":") : [];
	const groups =
		tail === undefined
			? headGroups
			: [
					...headGroups,
					...Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill(
						"0",
					),
					...tailGroups,
				];
	const prefix = groups
		.slice(0, 4)
		.map((g) => g.replace(/^0+(?=.)/, "") || "0");
	while (prefix.length < 4) prefix.push("0");
	return `${prefix.join(":")}::/64`;
}

interface Outcome {
	name: LimitName;
	success: boolean;
	limit: number;
	remaining: number;
	reset: number;
}

/**
 * Counts this request against each `[limit, key]` (in parallel) — or with `peek`, only looks at
 * what is left — and answers 429 RATE_LIMITED
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
	checks: Check[],
	mode: "count" | "peek" = "count",
): Promise<void> {
	const { RATE_LIMIT_TIMEOUT_MS } = c.var.services.config;
	if (redisFailed.has(c)) {
		for (const [name] of checks)
			log("warn", "rate limit check failed; request allowed", {
				requestId: c.get("requestId"),
				limit: name,
				error: "skipped: Redis failed earlier in this request",
			});
		return;
	}
	const outcomes = await Promise.all(
		checks.map(async ([name, key]): Promise<Outcome | undefined> => {
			try {
				if (mode === "peek") {
					const r = await withDeadline(
						limiter(c, name).getRemaining(key),
						RATE_LIMIT_TIMEOUT_MS,
						"timed out",
					);
					return { name, success: r.remaining > 0, ...r };
				}
				// Bounded well below the Redis client's own deadline: a hung Redis costs a login at
				// most this long (the limiters run in parallel), then the check fails open (below).
				const r = await withDeadline(
					limiter(c, name).limit(key),
					RATE_LIMIT_TIMEOUT_MS,
					"timed out",
				);
				return { name, ...r };
			} catch (err) {
				redisFailed.add(c);
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

/**
 * Counts one attempt against each check without deciding anything (used for failures only, e.g.
 * wrong passwords, so a successful login never uses up a limit). Fails open like the checks.
 */
export async function countAttempt(
	c: Context<AppEnv>,
	checks: Check[],
): Promise<void> {
	if (redisFailed.has(c)) return;
	await Promise.all(
		checks.map(async ([name, key]) => {
			try {
				const r = await limiter(c, name).limit(key);
				if (r.reason === "timeout") throw new Error("timed out");
			} catch (err) {
				redisFailed.add(c);
				log("warn", "rate limit count failed", {
					requestId: c.get("requestId"),
					limit: name,
					error: err instanceof Error ? err.message : String(err),
				});
			}
		}),
	);
}

/** Route middleware: one per-client-network limit, checked before the body is even parsed. */
export const rateLimitByIp = (name: LimitName) =>
	createMiddleware<AppEnv>(async (c, next) => {
		await enforceRateLimits(c, [[name, clientNetwork(c)]]);
		await next();
	});
