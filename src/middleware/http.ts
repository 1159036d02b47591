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

/**
 * Cookie-authenticated endpoints must not be drivable cross-site: a browser always sends
 * `Origin` on a POST, so one that is not a configured storefront origin is refused. Clients that
 * send no Origin (native apps, curl) are not browsers and carry no ambient cookie risk.
 */
export const requireAllowedOrigin = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		const origin = c.req.header("Origin");
		if (
			origin !== undefined &&
			!c.var.services.config.CORS_ORIGINS.includes(origin)
		)
			throw new ApiError(
				"FORBIDDEN",
				"This request's Origin is not an allowed storefront origin",
			);
		await next();
	});
