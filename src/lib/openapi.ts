import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "./errors";

/** Every code in ERROR_STATUS, for the envelope's `code` enum. */
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** `VALIDATION_FAILED.details`: one entry per offending input, wherever it was found. */
export const validationDetailsSchema = z
	.object({
		fields: z.array(
			z.object({
				path: z.string().openapi({
					description:
						"Dotted path of the input (`items.0.quantity`); `(root)` for the whole input; a header's name for a header",
				}),
				message: z.string(),
				code: z.string().openapi({
					description:
						"Machine-readable reason (zod's issue codes, e.g. `invalid_type`, `too_small`, `custom`)",
				}),
			}),
		),
	})
	.openapi("ValidationDetails");

/** `CONFLICT.details`: which field clashes and with what value (`reason` for non-duplicate conflicts). */
export const conflictDetailsSchema = z
	.object({
		field: z.string(),
		value: z.unknown(),
		reason: z.string().optional(),
	})
	.openapi("ConflictDetails");

/** Codes whose `details` have one documented shape; the others' details are free-form. */
const DETAILS: Partial<Record<ErrorCode, z.ZodType>> = {
	VALIDATION_FAILED: validationDetailsSchema,
	CONFLICT: conflictDetailsSchema,
};

/** The one error envelope (see ApiError and onError), any code. */
export const errorSchema = z
	.object({
		error: z.object({
			code: z.enum(ERROR_CODES),
			message: z.string(),
			details: z.unknown().optional(),
			requestId: z.string(),
		}),
	})
	.openapi("Error");

function pascal(code: string): string {
	return code
		.toLowerCase()
		.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** The envelope of one code, as a named component (`ErrorValidationFailed`, …). */
function codeSchema(code: ErrorCode) {
	const details = DETAILS[code];
	return z
		.object({
			error: z.object({
				code: z.literal(code),
				message: z.string(),
				details: details ?? z.unknown().optional(),
				requestId: z.string(),
			}),
		})
		.openapi(errorComponentName(code));
}

/** The component name of one code's envelope. */
export function errorComponentName(code: ErrorCode): string {
	return `Error${pascal(code)}`;
}

const CODE_SCHEMAS = Object.fromEntries(
	ERROR_CODES.map((code) => [code, codeSchema(code)]),
) as Record<ErrorCode, ReturnType<typeof codeSchema>>;

/** Every per-code envelope, for registering as components (global statuses refer to them). */
export const errorCodeSchemas = Object.entries(CODE_SCHEMAS) as [
	ErrorCode,
	ReturnType<typeof codeSchema>,
][];

/** Response headers the API sets, documented once under `components.headers`. */
export const HEADERS = {
	"X-Request-Id": {
		description:
			"This request's id (yours if you sent a valid X-Request-Id); also in error bodies and logs",
		schema: { type: "string" },
	},
	"Server-Timing": {
		description:
			'Database round trips and time spent, e.g. `db;desc="2";dur=12.3, total;dur=20.1`',
		schema: { type: "string" },
	},
	ETag: {
		description: "Entity tag of the body; send it back as If-None-Match",
		schema: { type: "string" },
	},
	"X-Cart-Token": {
		description: "The new guest cart's token (also in the body and the cookie)",
		schema: { type: "string" },
	},
	"Set-Cookie": {
		description:
			"Session or cart cookie (HttpOnly, Secure, SameSite): set, slid or cleared",
		schema: { type: "string" },
	},
	"RateLimit-Limit": {
		description: "Requests allowed in the tightest window that applies",
		schema: { type: "integer" },
	},
	"RateLimit-Remaining": {
		description: "Requests left in that window",
		schema: { type: "integer" },
	},
	"RateLimit-Reset": {
		description: "Seconds until that window resets",
		schema: { type: "integer" },
	},
	"Retry-After": {
		description: "Seconds to wait before retrying",
		schema: { type: "integer" },
	},
	"Idempotent-Replayed": {
		description:
			"`true` when this is the stored answer to an earlier request with the same Idempotency-Key",
		schema: { type: "string", enum: ["true"] },
	},
	Allow: {
		description: "The methods the path does allow",
		schema: { type: "string" },
	},
} satisfies Record<
	string,
	{
		description: string;
		schema: { type: "string" | "integer"; enum?: string[] };
	}
>;

export type HeaderName = keyof typeof HEADERS;

/** The component name of a header (`XRequestId`, `RateLimitReset`, …). */
export function headerComponentName(name: HeaderName): string {
	return name.replace(/-/g, "");
}

type HeaderRefs = Record<string, { $ref: string }>;

/** `headers` of a response, by reference to the components above. */
export function headerRefs(...names: HeaderName[]): HeaderRefs {
	return Object.fromEntries(
		names.map((name) => [
			name,
			{ $ref: `#/components/headers/${headerComponentName(name)}` },
		]),
	);
}

/** Headers an error response carries because of its code. */
export const ERROR_HEADERS: Partial<Record<ErrorCode, HeaderName[]>> = {
	RATE_LIMITED: [
		"Retry-After",
		"RateLimit-Limit",
		"RateLimit-Remaining",
		"RateLimit-Reset",
	],
	DEPENDENCY_UNAVAILABLE: ["Retry-After"],
	PAYMENT_PROVIDER_UNAVAILABLE: ["Retry-After"],
	IDEMPOTENCY_IN_PROGRESS: ["Retry-After"],
	METHOD_NOT_ALLOWED: ["Allow"],
};

/** The route-config extension mayAlsoSet writes; lib/openapi-document.ts moves it onto every response. */
export const RESPONSE_HEADERS = "x-response-headers";

/**
 * Headers any response of a route may carry (a cookie slid or cleared on an error answer too):
 * `createRoute({ ..., ...mayAlsoSet("Set-Cookie") })`.
 */
export function mayAlsoSet(...headers: HeaderName[]) {
	return { [RESPONSE_HEADERS]: headers } as const;
}

/** A route's `security`: the access token is required (the `bearer` scheme registered in app.ts). */
export const bearerAuth = [{ bearer: [] }];
/** A route's `security` when it needs no credentials. */
export const publicAccess: Record<string, string[]>[] = [];

type JsonContent<T extends z.ZodType> = {
	description: string;
	content: { "application/json": { schema: T } };
	headers?: HeaderRefs;
};

/**
 * An OpenAPI response with a JSON body, e.g. `200: jsonContent(cartSchema, "the cart")`;
 * `headers` names the response headers it sets beyond the ones every response has.
 */
export function jsonContent<T extends z.ZodType>(
	schema: T,
	description: string,
	headers: HeaderName[] = [],
): JsonContent<T> {
	return {
		description,
		content: { "application/json": { schema } },
		...(headers.length > 0 ? { headers: headerRefs(...headers) } : {}),
	};
}

/** A response without a body (204, 304), with the headers it sets. */
export function noContent(description: string, headers: HeaderName[] = []) {
	return {
		description,
		...(headers.length > 0 ? { headers: headerRefs(...headers) } : {}),
	};
}

/** The 200 and 304 of an edge-cached read (catalog/edge-cache.ts): both carry the ETag. */
export function cachedJson<T extends z.ZodType>(
	schema: T,
	description: string,
) {
	return {
		200: jsonContent(schema, description, ["ETag"]),
		304: noContent("not modified (If-None-Match matched the ETag)", ["ETag"]),
	};
}

/**
 * A complete list in the one list shape, `{data, nextCursor}`: everything in one answer, so
 * `nextCursor` is always null (a client that pages every list stops at once). Answer it with
 * `{ data, nextCursor: null }`.
 */
export function completeList<T extends z.ZodType>(item: T) {
	return z.object({
		data: z.array(item),
		nextCursor: z.null().openapi({
			description:
				"Always null: this list is complete, there is no next page (the shape every list shares)",
		}),
	});
}

/** A JSON request body; `required: false` for endpoints that also accept an empty body. */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
	return { required, content: { "application/json": { schema } } };
}

type ErrorStatus<C extends ErrorCode> = (typeof ERROR_STATUS)[C];

/** The envelope of any of `codes` (one component each). */
function envelopeOf(codes: ErrorCode[]): z.ZodType {
	const [first, ...rest] = codes.map((code) => CODE_SCHEMAS[code]);
	if (!first) return errorSchema;
	return rest.length === 0 ? first : z.union([first, ...rest]);
}

/**
 * The error responses of a route, from the codes it can answer with: each code is documented
 * under the status ERROR_STATUS gives it (the table ApiError uses at runtime, so the document and
 * the wire cannot disagree), codes sharing a status listed together (the envelope's `code` is
 * exactly one of them, `details` in the code's documented shape) with the headers those codes
 * set (Retry-After, RateLimit-*). Statuses every route of a kind can answer (400 for invalid
 * input, 401 without a token, 413, 415, 500, 503) are added to the document centrally
 * (lib/openapi-document.ts); a route lists what is particular to it.
 *
 * `errorResponses("VALIDATION_FAILED", "NOT_FOUND", "OUT_OF_STOCK", "CART_FULL")` gives
 * 400 (VALIDATION_FAILED), 404 (NOT_FOUND) and 409 (OUT_OF_STOCK, CART_FULL).
 */
export function errorResponses<const C extends ErrorCode>(
	...codes: C[]
): Record<ErrorStatus<C>, JsonContent<typeof errorSchema>> {
	const byStatus = new Map<number, ErrorCode[]>();
	for (const code of codes) {
		const status = ERROR_STATUS[code];
		byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
	}
	const responses: Partial<Record<number, JsonContent<z.ZodType>>> = {};
	for (const [status, list] of byStatus) {
		const headers = [
			...new Set(list.flatMap((code) => ERROR_HEADERS[code] ?? [])),
		];
		responses[status] = jsonContent(envelopeOf(list), list.join(", "), headers);
	}
	// Typed as the generic envelope so hc clients see one error type per status.
	return responses as Record<ErrorStatus<C>, JsonContent<typeof errorSchema>>;
}
