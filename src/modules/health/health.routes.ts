import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { withDeadline } from "../../lib/deadline";
import { DEPENDENCY_RETRY_AFTER_SECONDS } from "../../lib/dependency-errors";
import { ApiError } from "../../lib/errors";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";

const CHECK_TIMEOUT_MS = 2000;

const checkSchema = z.object({
	ok: z.boolean(),
	ms: z.number(),
	error: z.string().optional(),
});
const readySchema = z.object({
	status: z.literal("ok"),
	checks: z.record(z.string(), checkSchema),
});

async function check(
	run: () => Promise<unknown>,
): Promise<z.infer<typeof checkSchema>> {
	const started = Date.now();
	try {
		await withDeadline(
			run(),
			CHECK_TIMEOUT_MS,
			`timed out after ${CHECK_TIMEOUT_MS} ms`,
		);
		return { ok: true, ms: Date.now() - started };
	} catch (err) {
		// The message names the failure class only; connection strings never reach the body.
		const error =
			err instanceof Error
				? err.message.split("\n")[0]?.slice(0, 200)
				: "failed";
		return { ok: false, ms: Date.now() - started, error };
	}
}

export const healthRoutes = createRouter()
	.openapi(
		createRoute({
			method: "get",
			path: "/live",
			tags: ["health"],
			summary: "Liveness: the Worker answers (no dependencies checked)",
			responses: {
				200: jsonContent(z.object({ status: z.literal("ok") }), "alive"),
			},
		}),
		(c) => c.json({ status: "ok" as const }, 200),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/ready",
			tags: ["health"],
			summary: "Readiness: the database and Redis answer",
			description: "A failing dependency is named in the 503's details.",
			responses: {
				200: jsonContent(readySchema, "ready"),
				...errorResponses("DEPENDENCY_UNAVAILABLE"),
			},
		}),
		async (c) => {
			const [database, redis] = await Promise.all([
				check(() => c.var.services.db.execute(sql`select 1`)),
				check(() => c.var.services.redis.ping()),
			]);
			const checks = { database, redis };
			const failed = Object.entries(checks)
				.filter(([, r]) => !r.ok)
				.map(([name]) => name);
			if (failed.length > 0) {
				throw new ApiError(
					"DEPENDENCY_UNAVAILABLE",
					`Unavailable: ${failed.join(", ")}`,
					{ failed, checks },
					{ "Retry-After": String(DEPENDENCY_RETRY_AFTER_SECONDS) },
				);
			}
			c.header("Cache-Control", "no-store");
			return c.json({ status: "ok" as const, checks }, 200);
		},
	);
