import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ConfigError } from "../env";
import { errorResponse } from "../lib/error-handler";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { DbMeter } from "../lib/timing";
import { createServices, type Services } from "../services";

/** The request's execution context; an app called directly (`app.request` in tests) has none. */
function executionContext(c: Context<AppEnv>) {
	try {
		return c.executionCtx;
	} catch {
		return undefined;
	}
}

function servicesFor(c: Context<AppEnv>): Services | ApiError {
	try {
		return createServices(c.env, executionContext(c));
	} catch (err) {
		if (!(err instanceof ConfigError)) throw err;
		return new ApiError("CONFIG_INVALID", "The server is misconfigured", {
			variables: err.issues,
		});
	}
}

/**
 * Builds the request's services once (`c.var.services`) and, around everything after it, adds
 * Server-Timing and writes exactly one structured log line per request, errors included. A
 * configuration that does not validate is answered 500 CONFIG_INVALID before anything else runs.
 */
export const requestContext = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		const started = Date.now();
		const services = servicesFor(c);
		if (services instanceof ApiError) c.res = errorResponse(c, services);
		else {
			c.set("services", services);
			await next();
		}
		const meter = services instanceof ApiError ? new DbMeter() : services.meter;
		const durationMs = Date.now() - started;
		c.res.headers.append(
			"Server-Timing",
			`${meter.serverTiming()}, total;dur=${durationMs}`,
		);
		const status = c.res.status;
		const user = c.get("user");
		log(status >= 500 ? "error" : status >= 400 ? "warn" : "info", "request", {
			method: c.req.method,
			path: c.req.path,
			status,
			durationMs,
			requestId: c.get("requestId"),
			dbRoundTrips: meter.roundTrips,
			dbMs: meter.durationMs,
			...(user ? { userId: user.id } : {}),
		});
	});
