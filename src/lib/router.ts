import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ApiError } from "./errors";

/**
 * The one way modules get a router: typed for AppEnv, and every zod failure (body, query,
 * params, headers) becomes one 400 VALIDATION_FAILED with per-field details.
 */
export function createRouter() {
	return new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			if (result.success) return;
			const fields = result.error.issues.map((issue) => ({
				path: issue.path.map(String).join(".") || "(root)",
				message: issue.message,
				code: issue.code,
			}));
			throw new ApiError(
				"VALIDATION_FAILED",
				`Invalid request ${result.target}`,
				{ target: result.target, fields },
			);
		},
	});
}
