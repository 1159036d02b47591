import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Every error code the API can answer with, and its HTTP status. Modules add their codes
 * here so the envelope, the status and the OpenAPI document never disagree.
 */
export const ERROR_STATUS = {
	VALIDATION_FAILED: 400,
	INVALID_JSON: 400,
	WEAK_PASSWORD: 400,
	INVALID_RESET_TOKEN: 400,
	INVALID_CURSOR: 400,
	INVALID_SIGNATURE: 400,
	/**
	 * A wrong current password on a password change: a 400 about the form field, not a 401,
	 * which clients read as "session expired" and sign the user out.
	 */
	INVALID_CURRENT_PASSWORD: 400,
	UNAUTHENTICATED: 401,
	INVALID_CREDENTIALS: 401,
	INVALID_REFRESH_TOKEN: 401,
	/** The access token was issued before its user's sessions were ended (lib/revocation.ts). */
	TOKEN_REVOKED: 401,
	FORBIDDEN: 403,
	NOT_FOUND: 404,
	METHOD_NOT_ALLOWED: 405,
	CONFLICT: 409,
	EMAIL_TAKEN: 409,
	INSUFFICIENT_STOCK: 409,
	OUT_OF_STOCK: 409,
	CURRENCY_MISMATCH: 409,
	QUANTITY_LIMIT: 409,
	CART_FULL: 409,
	/** An account keeps at most 50 addresses (me.service.ts MAX_ADDRESSES). */
	ADDRESS_LIMIT: 409,
	/** An order cannot do that in its current status (the message and details name it). */
	INVALID_ORDER_STATE: 409,
	/** The variant or its product is not active (see the stock rule, catalog/stock.queries.ts). */
	UNAVAILABLE: 409,
	CART_EMPTY: 409,
	IDEMPOTENCY_IN_PROGRESS: 409,
	/** A fulfilment asked for units that have already shipped (or more than a line has left). */
	NOTHING_TO_FULFIL: 409,
	/** A refund larger than what is left to refund of the order (refunds in flight included). */
	REFUND_TOO_LARGE: 409,
	/** The change would leave the shop without an active admin. */
	LAST_ADMIN: 409,
	/** An admin may not demote or disable themselves. */
	CANNOT_CHANGE_SELF: 409,
	/** An upload whose bytes are the declared image type but whose header cannot be read. */
	INVALID_IMAGE: 400,
	/** An image wider, taller or with more pixels than a storefront should be asked to decode. */
	IMAGE_TOO_LARGE: 413,
	IDEMPOTENCY_KEY_REUSED: 422,
	SHIPPING_METHOD_UNAVAILABLE: 422,
	PAYLOAD_TOO_LARGE: 413,
	UNSUPPORTED_MEDIA_TYPE: 415,
	RATE_LIMITED: 429,
	INTERNAL: 500,
	CONFIG_INVALID: 500,
	DEPENDENCY_UNAVAILABLE: 503,
	PAYMENT_PROVIDER_UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;

interface ErrorBody {
	error: {
		code: ErrorCode;
		message: string;
		details?: unknown;
		requestId: string;
	};
}

/** The one error type the app throws on purpose; `onError` turns it into the envelope. */
export class ApiError extends Error {
	readonly code: ErrorCode;
	readonly status: ContentfulStatusCode;
	readonly details: unknown;
	readonly headers: Record<string, string>;

	constructor(
		code: ErrorCode,
		message: string,
		details?: unknown,
		headers: Record<string, string> = {},
	) {
		super(message);
		this.name = "ApiError";
		this.code = code;
		this.status = ERROR_STATUS[code];
		this.details = details;
		this.headers = headers;
	}
}

/** One offending input of a 400 VALIDATION_FAILED (zod's issue codes, or `custom`). */
export interface FieldIssue {
	/** Dotted path (`items.0.quantity`), `(root)` for the whole input, or a header's name. */
	path: string;
	message: string;
	code: string;
}

/** 400 VALIDATION_FAILED in its one details shape, `{ fields: [{ path, message, code }] }`. */
export function validationFailed(
	message: string,
	...fields: [FieldIssue, ...FieldIssue[]]
): ApiError {
	return new ApiError("VALIDATION_FAILED", message, { fields });
}

/**
 * 409 CONFLICT in its one details shape: the field that clashes and the value it clashes with
 * (`reason` tells conflicts that are not duplicates apart).
 */
export function conflict(
	message: string,
	details: { field: string; value: unknown; reason?: string },
): ApiError {
	return new ApiError("CONFLICT", message, details);
}

/**
 * A valid access token whose account no longer exists authenticates nobody: 401 (never a 500 or
 * a 404), whether a handler finds the row gone or the database refuses a write through the
 * user's foreign key (error-handler.ts).
 */
export const accountGone = () =>
	new ApiError("UNAUTHENTICATED", "This account no longer exists", undefined, {
		"WWW-Authenticate": 'Bearer realm="voidshop", error="invalid_token"',
	});

export function errorBody(
	code: ErrorCode,
	message: string,
	requestId: string,
	details?: unknown,
): ErrorBody {
	return {
		error: {
			code,
			message,
			...(details === undefined ? {} : { details }),
			requestId,
		},
	};
}

/** Postgres error fields as surfaced by the Neon driver (possibly wrapped by Drizzle in `cause`). */
interface PgErrorInfo {
	code: string;
	constraint?: string;
	detail?: string;
	table?: string;
	column?: string;
}

/**
 * Finds the Postgres error behind a driver or Drizzle error so services can map SQLSTATEs
 * (23505 unique, 23503 foreign key, 23514 check) to API errors.
 */
export function pgError(err: unknown): PgErrorInfo | undefined {
	for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
		if (
			typeof e === "object" &&
			"code" in e &&
			typeof e.code === "string" &&
			/^[0-9A-Z]{5}$/.test(e.code)
		) {
			const info = e as Partial<PgErrorInfo> & { code: string };
			return {
				code: info.code,
				constraint: info.constraint ?? undefined,
				detail: info.detail ?? undefined,
				table: info.table ?? undefined,
				column: info.column ?? undefined,
			};
		}
		e = typeof e === "object" && "cause" in e ? e.cause : undefined;
	}
	return undefined;
}

export const PG = {
	UNIQUE_VIOLATION: "23505",
	FOREIGN_KEY_VIOLATION: "23503",
	/** ON DELETE RESTRICT on PostgreSQL 17+ (older servers report 23503). */
	RESTRICT_VIOLATION: "23001",
	CHECK_VIOLATION: "23514",
	NOT_NULL_VIOLATION: "23502",
	SERIALIZATION_FAILURE: "40001",
} as const;
