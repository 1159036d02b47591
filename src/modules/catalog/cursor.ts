import { z } from "zod";
import { ApiError } from "../../lib/errors";
import { decodeKeyset } from "../../lib/keyset-cursor";
import { MAX_INT4 } from "../../lib/validation";

export const SORTS = [
	"relevance",
	"newest",
	"price_asc",
	"price_desc",
	"name",
] as const;
export type Sort = (typeof SORTS)[number];

const id = z.uuid();

/**
 * The last row of a page, as the keyset of its sort. `t` is created_at in epoch microseconds
 * (exact in a double until year 2255), so no row is skipped or repeated at equal milliseconds.
 */
const cursorSchema = z.discriminatedUnion("s", [
	z.strictObject({
		s: z.literal("newest"),
		t: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
		id,
	}),
	z.strictObject({
		s: z.enum(["price_asc", "price_desc"]),
		p: z.number().int().min(0).max(MAX_INT4),
		id,
	}),
	z.strictObject({
		s: z.literal("name"),
		n: z
			.string()
			.max(200)
			.refine((n) => !n.includes("\u0000"), "must not contain NUL"),
		id,
	}),
	z.strictObject({
		s: z.literal("relevance"),
		r: z.number().min(0).max(1e6),
		id,
	}),
]);

export type Cursor = z.infer<typeof cursorSchema>;

/**
 * Decodes a client's cursor for `sort`; anything malformed, edited into a wrong shape, or
 * minted for another sort is a 400 INVALID_CURSOR, never a database error.
 */
export function decodeCursor(raw: string, sort: Sort): Cursor {
	const cursor = decodeKeyset(raw, (v) => cursorSchema.parse(v));
	if (cursor.s !== sort)
		throw new ApiError(
			"INVALID_CURSOR",
			`The cursor belongs to another sort (${cursor.s}), not ${sort}`,
		);
	return cursor;
}
