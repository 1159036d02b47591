import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ApiError } from "./errors";
import { unstorableText } from "./validation";

/**
 * The one way modules get a router: typed for AppEnv, and every zod failure (body, query,
 * params, headers) becomes one 400 VALIDATION_FAILED with per-field details. Validated input is
 * checked here, once for every route, for text Postgres cannot store or that is not well-formed
 * (NUL characters, lone surrogates), which would otherwise reach the database and fail there.
 */
export function createRouter() {
	return new OpenAPIHono<AppEnv>({
		defaultHook: (result) => {
			const fields = result.success
				? unstorableText(result.data).map((path) => ({
						path: path || "(root)",
						message: "must not contain NUL characters or lone surrogates",
						code: "invalid_string",
					}))
				: result.error.issues.map((issue) => ({
						path: issue.path.map(String).join(".") || "(root)",
						message: issue.message,
						code: issue.code,
					}));
			if (fields.length === 0) return;
			throw new ApiError(
				"VALIDATION_FAILED",
				`Invalid request ${result.target}`,
				{ fields },
			);
		},
	});
}
