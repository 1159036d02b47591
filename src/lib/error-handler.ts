import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import {
	DEPENDENCY_RETRY_AFTER_SECONDS,
	isDependencyFailure,
} from "./dependency-errors";
import {
	ApiError,
	accountGone,
	type ErrorCode,
	errorBody,
	PG,
	pgError,
	validationFailed,
} from "./errors";
import { log } from "./log";

/** Maps hono's own HTTPExceptions (body parsing, media type gate, body limit) onto our codes. */
function fromHttpException(err: HTTPException): ApiError {
	if (err.status === 400 && /malformed json/i.test(err.message)) {
		return new ApiError("INVALID_JSON", "The request body is not valid JSON");
	}
	const byStatus: Partial<Record<number, [ErrorCode, string]>> = {
		400: ["VALIDATION_FAILED", "Bad request"],
		401: ["UNAUTHENTICATED", "Authentication required"],
		403: ["FORBIDDEN", "Forbidden"],
		404: ["NOT_FOUND", "Not found"],
		413: ["PAYLOAD_TOO_LARGE", "The request body is too large"],
		415: [
			"UNSUPPORTED_MEDIA_TYPE",
			"Unsupported Content-Type for this endpoint",
		],
	};
	const [code, message] = byStatus[err.status] ?? [
		"INTERNAL",
		"Internal server error",
	];
	return code === "VALIDATION_FAILED"
		? validationFailed(message, {
				path: "(root)",
				message: err.message || "bad request",
				code: "invalid_request",
			})
		: new ApiError(code, message);
}

export function errorResponse(c: Context<AppEnv>, err: ApiError): Response {
	return c.json(
		errorBody(err.code, err.message, c.get("requestId"), err.details),
		err.status,
		err.headers,
	);
}

/**
 * A write on behalf of the signed-in user that the database refuses because the user row is gone
 * (deleted while their access token is still valid): the token names nobody, so 401, not a 500.
 * Only the token's own user is written through these foreign keys (`<table>_user_id_users_id_fk`).
 */
function isSignedInUserGone(c: Context<AppEnv>, err: unknown): boolean {
	const pg = pgError(err);
	return (
		c.get("user") !== undefined &&
		pg?.code === PG.FOREIGN_KEY_VIOLATION &&
		/_user_id_users_id_fk$/.test(pg.constraint ?? "")
	);
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
	if (err instanceof ApiError) return errorResponse(c, err);
	if (isSignedInUserGone(c, err)) return errorResponse(c, accountGone());
	if (err instanceof HTTPException && err.status < 500)
		return errorResponse(c, fromHttpException(err));
	if (isDependencyFailure(err)) {
		log("warn", "dependency unavailable", {
			requestId: c.get("requestId"),
			method: c.req.method,
			path: c.req.path,
			error: describe(err),
		});
		return errorResponse(
			c,
			new ApiError(
				"DEPENDENCY_UNAVAILABLE",
				"A service this request depends on is unavailable; try again shortly",
				undefined,
				{ "Retry-After": String(DEPENDENCY_RETRY_AFTER_SECONDS) },
			),
		);
	}
	log("error", "unhandled error", {
		requestId: c.get("requestId"),
		method: c.req.method,
		path: c.req.path,
		error: describe(err),
	});
	return errorResponse(c, new ApiError("INTERNAL", "Internal server error"));
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
	errorResponse(
		c,
		new ApiError("NOT_FOUND", `No route for ${c.req.method} ${c.req.path}`),
	);

/**
 * An error for the log (log() redacts Drizzle's "Failed query" parameters from every field).
 */
function describe(err: unknown) {
	if (!(err instanceof Error)) return String(err);
	const cause = err.cause instanceof Error ? err.cause : undefined;
	return {
		name: err.name,
		message: err.message,
		stack: err.stack,
		...(cause && { cause: { name: cause.name, message: cause.message } }),
	};
}
