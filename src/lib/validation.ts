import { z } from "@hono/zod-openapi";

/** The largest value of a Postgres `integer` column. */
export const MAX_INT4 = 2 ** 31 - 1;

/** A non-negative integer given as a query string (no signs, decimals or exponents). */
export const uintParam = (max = MAX_INT4) =>
	z
		.string()
		.regex(/^\d{1,10}$/, "must be a non-negative integer")
		.transform(Number)
		.pipe(z.number().int().min(0).max(max));

/** A NUL (text columns reject it) or a surrogate without its pair (not encodable as UTF-8). */
const UNSTORABLE =
	// biome-ignore lint/suspicious/noControlCharactersInRegex: matching NUL is the point.
	/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text Postgres can store and that round-trips as UTF-8. */
const storable = (s: string) => !UNSTORABLE.test(s);

/** Text that Postgres can store (see `storable`; the router also checks every input centrally). */
export const safeText = (max: number) =>
	z
		.string()
		.max(max)
		.refine(storable, "must not contain NUL characters or lone surrogates");

/**
 * The dotted paths of every string (keys included) in validated input that is not storable; the
 * router's validation hook answers 400 for them, so no route needs to opt in.
 */
export function unstorableText(value: unknown, path = ""): string[] {
	if (typeof value === "string") return storable(value) ? [] : [path];
	if (typeof value !== "object" || value === null) return [];
	if (
		value instanceof Date ||
		value instanceof Blob ||
		value instanceof ArrayBuffer ||
		ArrayBuffer.isView(value)
	)
		return [];
	return Object.entries(value).flatMap(([key, item]) => {
		const at = path ? `${path}.${key}` : key;
		return storable(key) ? unstorableText(item, at) : [at];
	});
}
