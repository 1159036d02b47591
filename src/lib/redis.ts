import { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../env";

/** Redis calls are on the request path (rate limits), so they must fail fast, not hang. */
export const REDIS_TIMEOUT_MS = 1000;

let cached: { config: Config; redis: Redis } | undefined;

/** One stateless REST client per isolate's config; each command is one HTTPS call to Upstash. */
export function getRedis(config: Config): Redis {
	if (cached?.config !== config) {
		const redis = new Redis({
			url: config.UPSTASH_REDIS_REST_URL,
			token: config.UPSTASH_REDIS_REST_TOKEN,
			retry: { retries: 1, backoff: () => 50 },
			signal: () => AbortSignal.timeout(REDIS_TIMEOUT_MS),
			enableTelemetry: false,
		});
		cached = { config, redis };
	}
	return cached.redis;
}
