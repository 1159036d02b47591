import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { createDb } from "../db/client";
import { ConfigError, loadConfig } from "../env";
import { ApiError } from "../lib/errors";
import { log } from "../lib/log";
import { DbMeter } from "../lib/timing";

/** Server-Timing and exactly one structured log line per request, errors included. */
export const requestLog = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		const started = Date.now();
		const meter = new DbMeter();
		c.set("meter", meter);
		await next();
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

/** Per-request dependencies built once: validated config and a db metered into this request. */
export const dependencies = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		let config: ReturnType<typeof loadConfig>;
		try {
			config = loadConfig(c.env);
		} catch (err) {
			if (!(err instanceof ConfigError)) throw err;
			throw new ApiError("CONFIG_INVALID", "The server is misconfigured", {
				variables: err.issues,
			});
		}
		c.set("config", config);
		c.set("db", createDb(config, c.get("meter")));
		await next();
	});
