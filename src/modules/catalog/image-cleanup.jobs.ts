import { type SQL, sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import { log } from "../../lib/log";
import type { Services } from "../../services";

/** At most this many objects per run (one R2 delete call takes up to 1,000 keys). */
const BATCH = 500;

/**
 * Queues the R2 objects of image rows a statement removes (`gone`: a CTE of deleted images
 * with a `key` column), once no other image row uses them: a CTE to add to that statement, so
 * the outbox row commits with the delete or not at all.
 */
export function queueImageDeletionsSql(gone: string): SQL {
	return sql.raw(`queued as (
		insert into image_deletions (key)
		select distinct g.key from ${gone} g
		where not exists (select 1 from images i where i.key = g.key
			and i.id not in (select id from ${gone}))
		on conflict (key) do nothing
	)`);
}

const describe = (err: unknown) =>
	err instanceof Error ? `${err.name}: ${err.message}` : String(err);

/**
 * Cron job `purge-orphan-images`: deletes queued R2 objects that no image row uses (a key used
 * again by a later upload of the same bytes is simply dropped from the queue), oldest first.
 * A failed R2 call leaves the keys queued with `attempts` and `last_error`, for the next run.
 * Two round trips (pick, then settle) around one R2 call.
 */
export async function purgeOrphanImages(
	services: Services,
): Promise<{ deleted: number; failed: number }> {
	const { db } = services;
	const { pick } = await batch(db, {
		reused: db.execute(sql`delete from image_deletions d
			where exists (select 1 from images i where i.key = d.key)`),
		pick: db.execute<{ key: string }>(sql`select key from image_deletions
			order by queued_at, key limit ${BATCH}`),
	});
	const keys = pick.rows.map((r) => r.key);
	if (keys.length === 0) return { deleted: 0, failed: 0 };
	const list = sql`array(select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))`;
	try {
		await services.images.delete(keys);
	} catch (err) {
		log("warn", "R2 image cleanup failed; retried next run", {
			keys: keys.length,
			error: describe(err),
		});
		await db.execute(sql`update image_deletions set attempts = attempts + 1,
			last_error = ${describe(err).slice(0, 500)}, last_attempt_at = now()
			where key = any(${list})`);
		return { deleted: 0, failed: keys.length };
	}
	await db.execute(sql`delete from image_deletions where key = any(${list})`);
	return { deleted: keys.length, failed: 0 };
}
