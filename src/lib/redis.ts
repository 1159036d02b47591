import { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../env";
import { deadlineSignal } from "./deadline";

/**
 * Redis calls are on the request path (rate limits, revocation markers), so each command has a
 * deadline (REDIS_TIMEOUT_MS) and must fail fast, not hang. The client builds the signal once per
 * command, so it covers the command's retry too (a refused connection is retried once after 50 ms;
 * an aborted command is not retried); lib/deadline.ts says why it is not AbortSignal.timeout.
 *
 * A stateless REST client (no connection to open): each command is one HTTPS call to Upstash. */
export function createRedis(config: Config): Redis {
	return new Redis({
		url: config.UPSTASH_REDIS_REST_URL,
		token: config.UPSTASH_REDIS_REST_TOKEN,
		retry: { retries: 1, backoff: () => 50 },
		signal: () => deadlineSignal(config.REDIS_TIMEOUT_MS),
		enableTelemetry: false,
	});
}
