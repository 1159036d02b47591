import { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../env";

/**
 * Redis calls are on the request path (rate limits), so each command has a deadline
 * (REDIS_TIMEOUT_MS) and must fail fast, not hang.
 *
 * A stateless REST client (no connection to open): each command is one HTTPS call to Upstash. */
export function createRedis(config: Config): Redis {
	return new Redis({
		url: config.UPSTASH_REDIS_REST_URL,
		token: config.UPSTASH_REDIS_REST_TOKEN,
		retry: { retries: 1, backoff: () => 50 },
		signal: () => AbortSignal.timeout(config.REDIS_TIMEOUT_MS),
		enableTelemetry: false,
	});
}

/**
 * Bounds one Redis call end to end (the client's own deadline is per attempt, and it retries):
 * rejects with `Error(message)` after `ms`.
 */
export function withDeadline<T>(
	work: Promise<T>,
	ms: number,
	message: string,
): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	return Promise.race([
		work,
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(message)), ms);
		}),
	]).finally(() => clearTimeout(timer));
}
