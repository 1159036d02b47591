import type { SQL } from "drizzle-orm";
import type { Db } from "../db/client";

export type Row = Record<string, unknown>;

/**
 * Runs raw statements in ONE round trip, as one transaction (`db.batch`; a single statement goes
 * alone), and returns each statement's rows, in order.
 */
export async function runStatements(
	db: Db,
	statements: readonly [SQL, ...SQL[]],
): Promise<Row[][]> {
	const [first, ...rest] = statements;
	if (rest.length === 0) return [(await db.execute<Row>(first)).rows];
	const results: { rows: Row[] }[] = await db.batch([
		db.execute<Row>(first),
		...rest.map((statement) => db.execute<Row>(statement)),
	]);
	return results.map((result) => result.rows);
}
