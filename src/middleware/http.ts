import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../lib/errors";

/** CORS for the configured storefront origins only; credentials allowed for the refresh cookie. */
export const corsFromConfig = () =>
	cors({
		origin: (origin, c) =>
			c.var.services.config.CORS_ORIGINS.includes(origin) ? origin : null,
		credentials: true,
		allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
		allowHeaders: [
			"Authorization",
			"Content-Type",
			"Idempotency-Key",
			"X-Request-Id",
			"X-Cart-Token",
			"If-None-Match",
		],
		exposeHeaders: [
			"X-Request-Id",
			"Server-Timing",
			"Retry-After",
			"RateLimit-Limit",
			"RateLimit-Remaining",
			"RateLimit-Reset",
			"ETag",
			"X-Cart-Token",
		],
		maxAge: 600,
	});

/** Rejects bodies over the configured size (declared or streamed) before anything parses them. */
export const limitBody = (maxBytes?: number) =>
	createMiddleware<AppEnv>((c, next) =>
		bodyLimit({
			maxSize: maxBytes ?? c.var.services.config.MAX_BODY_BYTES,
			onError: () => {
				throw new ApiError(
					"PAYLOAD_TOO_LARGE",
					`The request body exceeds ${maxBytes ?? c.var.services.config.MAX_BODY_BYTES} bytes`,
				);
			},
		})(c, next),
	);
