import { z } from "@hono/zod-openapi";
import { ERROR_STATUS, type ErrorCode } from "./errors";

/** Every code in ERROR_STATUS, for the envelope's `code` enum. */
const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The one error envelope (see ApiError and onError), as the OpenAPI document describes it. */
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

/** A route's `security`: the access token is required (the `bearer` scheme registered in app.ts). */
export const bearerAuth = [{ bearer: [] }];

type JsonContent<T extends z.ZodType> = {
	description: string;
	content: { "application/json": { schema: T } };
};

/** An OpenAPI response with a JSON body, e.g. `200: jsonContent(cartSchema, "the cart")`. */
export function jsonContent<T extends z.ZodType>(
	schema: T,
	description: string,
): JsonContent<T> {
	return { description, content: { "application/json": { schema } } };
}

/** A JSON request body; `required: false` for endpoints that also accept an empty body. */
export function jsonBody<T extends z.ZodType>(schema: T, required = true) {
	return { required, content: { "application/json": { schema } } };
}

type ErrorStatus<C extends ErrorCode> = (typeof ERROR_STATUS)[C];

/**
 * The error responses of a route, from the codes it can answer with: each code is documented
 * under the status ERROR_STATUS gives it (the table ApiError uses at runtime, so the document and
 * the wire cannot disagree), codes sharing a status listed together in its description.
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
	const responses: Partial<Record<number, JsonContent<typeof errorSchema>>> =
		{};
	for (const [status, list] of byStatus)
		responses[status] = jsonContent(errorSchema, list.join(", "));
	return responses as Record<ErrorStatus<C>, JsonContent<typeof errorSchema>>;
}
