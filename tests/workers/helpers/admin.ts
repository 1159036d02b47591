import { type SQL, sql } from "drizzle-orm";
import { bearer, signToken } from "./auth";
import { testDb } from "./db";
import { call, json } from "./http";

/** A fresh admin: its id (the token's subject, as timelines record it) and headers. */
export async function newAdmin() {
	const id = crypto.randomUUID();
	return { id, headers: bearer(await signToken({ role: "admin", sub: id })) };
}

type Admin = Awaited<ReturnType<typeof newAdmin>>;

/** POSTs a JSON body to an admin order endpoint. */
export function adminPost(
	who: Admin,
	path: string,
	body: unknown,
	headers: Record<string, string> = {},
): Promise<Response> {
	return call(path, json(body, { headers: { ...who.headers, ...headers } }));
}

export function adminGet(who: Admin, path: string): Promise<Response> {
	return call(path, { headers: who.headers });
}

/**
 * Holds row locks (`lockSql`: a `select … for update`) in a transaction of the test's own for
 * `ms`, so concurrent requests fired meanwhile reach the locked rows together: a race that
 * would otherwise be won by timing is then always run. Resolves when the locks are released.
 */
export async function holdingLocks<T>(
	lockSql: SQL,
	ms: number,
	race: () => Promise<T>,
): Promise<T> {
	const db = testDb();
	const held = db.batch([
		db.execute(lockSql),
		db.execute(sql`select pg_sleep(${ms / 1000})`),
	]);
	await new Promise((resolve) => setTimeout(resolve, 100));
	const result = await race();
	await held;
	return result;
}

/**
 * Resolves once a session waits for a lock in a statement whose text matches `pattern` (ILIKE),
 * so the next racer is fired only after it: the first session to wait for a row gets the row
 * first when its holder ends. Times out after `timeoutMs`.
 */
export async function untilLockWaiter(
	pattern: string,
	timeoutMs = 5000,
): Promise<void> {
	const db = testDb();
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const { rows } = await db.execute<{ n: number }>(
			sql`select count(*)::int as n from pg_stat_activity
				where wait_event_type = 'Lock' and query ilike ${pattern}`,
		);
		if ((rows[0]?.n ?? 0) > 0) return;
		if (Date.now() > deadline)
			throw new Error(`no session waits for a lock in ${pattern}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
