import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
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

/** Marks the middleware of a route that sets its own body limit. */
const OWN_LIMIT = Symbol("own body limit");

/** Whether a route matched by this request declares its own limit (see limitBody). */
function routeSetsOwnLimit(c: Context<AppEnv>): boolean {
	return matchedRoutes(c).some((route) => OWN_LIMIT in route.handler);
}

/**
 * Rejects bodies over the limit (declared or streamed) before anything parses them.
 * `limitBody()` is the app-wide limit (MAX_BODY_BYTES); a route that needs another, such as an
 * image upload, lists `limitBody(maxBytes)` among its own middleware and the app-wide one steps
 * aside for it, so the app never needs to know which routes those are.
 */
export function limitBody(maxBytes?: number) {
	const middleware = createMiddleware<AppEnv>((c, next) => {
		if (maxBytes === undefined && routeSetsOwnLimit(c)) return next();
		const maxSize = maxBytes ?? c.var.services.config.MAX_BODY_BYTES;
		return bodyLimit({
			maxSize,
			onError: () => {
				throw new ApiError(
					"PAYLOAD_TOO_LARGE",
					`The request body exceeds ${maxSize} bytes`,
				);
			},
		})(c, next);
	});
	return maxBytes === undefined
		? middleware
		: Object.assign(middleware, { [OWN_LIMIT]: true });
}

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
