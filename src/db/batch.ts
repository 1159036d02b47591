import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";

type Statement = BatchItem<"pg">;

/** One named entry of a batch: a statement, a group of them, or nothing (skipped). */
type Entry = Statement | readonly Statement[] | undefined;

/** What a statement gives back: its `returning` rows, or the raw result of `db.execute<Row>`. */
type ResultOf<S> = S extends { readonly _: { readonly result: infer R } }
	? R
	: never;

type EntryResult<E> = E extends readonly (infer S)[]
	? ResultOf<S>[]
	: E extends undefined
		? undefined
		: ResultOf<E>;

export type BatchResults<T extends Record<string, Entry>> = {
	[K in keyof T]: EntryResult<T[K]>;
};

/**
 * Runs named statements as ONE `db.batch` (one round trip, one transaction), in the order they
 * are written, and returns each one's result under its name, typed, so nothing reads results by
 * position. A group (array) of statements gives an array of results; an `undefined` entry is
 * skipped and gives `undefined`, so conditional statements need no index arithmetic:
 *
 * ```ts
 * const { updated, read } = await batch(db, {
 *   lock: needsLock ? db.execute(lockSql) : undefined,
 *   updated: db.update(t).set(v).where(w).returning({ id: t.id }),
 *   read: db.execute<Row>(readSql),
 * });
 * ```
 */
export async function batch<const T extends Record<string, Entry>>(
	db: Db,
	statements: T,
): Promise<BatchResults<T>> {
	const flat: Statement[] = [];
	const layout: { key: string; at: number; group?: number }[] = [];
	for (const [key, entry] of Object.entries(statements)) {
		if (entry === undefined) layout.push({ key, at: -1 });
		else if (isGroup(entry)) {
			layout.push({ key, at: flat.length, group: entry.length });
			flat.push(...entry);
		} else {
			layout.push({ key, at: flat.length });
			flat.push(entry);
		}
	}
	const [first, ...rest] = flat;
	const results: unknown[] = first ? await db.batch([first, ...rest]) : [];
	const named: Record<string, unknown> = {};
	for (const { key, at, group } of layout)
		named[key] =
			at < 0
				? undefined
				: group === undefined
					? results[at]
					: results.slice(at, at + group);
	return named as BatchResults<T>;
}

function isGroup(
	entry: Statement | readonly Statement[],
): entry is readonly Statement[] {
	return Array.isArray(entry);
}
