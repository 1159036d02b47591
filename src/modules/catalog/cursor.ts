import { z } from "zod";
import { ApiError } from "../../lib/errors";

export const SORTS = [
	"relevance",
	"newest",
	"price_asc",
	"price_desc",
	"name",
] as const;
export type Sort = (typeof SORTS)[number];

const id = z.uuid();
const MAX_INT4 = 2 ** 31 - 1;

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

/** UTF-8 text as unpadded base64url (cursors are opaque to clients). */
export function toBase64Url(text: string): string {
	const bytes = new TextEncoder().encode(text);
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary)
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

/** The inverse of toBase64Url; throws on anything that is not base64url of valid UTF-8. */
export function fromBase64Url(encoded: string): string {
	if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new Error("not base64url");
	const binary = atob(encoded.replaceAll("-", "+").replaceAll("_", "/"));
	const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
	return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(
		bytes,
	);
}

/** Opaque to clients: base64url of the keyset JSON. */
export function encodeCursor(cursor: Cursor): string {
	return toBase64Url(JSON.stringify(cursor));
}

/**
 * Decodes a client's cursor for `sort`; anything malformed, edited into a wrong shape, or
 * minted for another sort is a 400 INVALID_CURSOR, never a database error.
 */
export function decodeCursor(raw: string, sort: Sort): Cursor {
	let cursor: Cursor;
	try {
		cursor = cursorSchema.parse(JSON.parse(fromBase64Url(raw)));
	} catch {
		throw new ApiError("INVALID_CURSOR", "The cursor is malformed");
	}
	if (cursor.s !== sort)
		throw new ApiError(
			"INVALID_CURSOR",
			`The cursor belongs to another sort (${cursor.s}), not ${sort}`,
		);
	return cursor;
}
