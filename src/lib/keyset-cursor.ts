import { fromBase64Url, toBase64Url } from "./encoding";
import { ApiError } from "./errors";

/** A keyset page cursor as clients see it: opaque base64url of its JSON. */
export function encodeKeyset(keyset: object): string {
	return toBase64Url(new TextEncoder().encode(JSON.stringify(keyset)));
}

/**
 * Decodes a cursor minted by encodeKeyset. `parse` checks the JSON's shape and returns the
 * keyset, or undefined (or throws) when it is wrong; anything malformed is 400 INVALID_CURSOR,
 * never a database error.
 */
export function decodeKeyset<T>(
	raw: string,
	parse: (value: unknown) => T | undefined,
): T {
	let keyset: T | undefined;
	try {
		const json = new TextDecoder("utf-8", {
			fatal: true,
			ignoreBOM: false,
		}).decode(fromBase64Url(raw));
		keyset = parse(JSON.parse(json));
	} catch {}
	if (keyset === undefined)
		throw new ApiError("INVALID_CURSOR", "The cursor is malformed");
	return keyset;
}

/**
 * A keyset page from a query that asked for `limit + 1` rows: the first `limit` rows, and the
 * cursor after the last of them when the extra row says another page exists (else null).
 */
export function keysetPage<Row>(
	rows: Row[],
	limit: number,
	keysetOf: (last: Row) => object,
): { rows: Row[]; nextCursor: string | null } {
	const page = rows.slice(0, limit);
	const last = page.at(-1);
	return {
		rows: page,
		nextCursor:
			rows.length > limit && last !== undefined
				? encodeKeyset(keysetOf(last))
				: null,
	};
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The common `{t, id}` keyset (a time or sort key in integer form, then the row's UUID). */
export function timeIdKeyset(
	value: unknown,
): { t: number; id: string } | undefined {
	const k = value as { t?: unknown; id?: unknown } | null;
	return k &&
		Number.isSafeInteger(k.t) &&
		typeof k.id === "string" &&
		UUID.test(k.id)
		? { t: k.t as number, id: k.id }
		: undefined;
}
