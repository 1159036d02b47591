import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { GUEST_CART_TTL_DAYS } from "./cart.token";

/** Rows per run, so one run stays a short statement; the next run (5 min later) continues. */
const PURGE_BATCH = 5000;

/**
 * Deletes guest carts (active or already merged) whose last write is older than 30 days; their
 * lines go with them (ON DELETE CASCADE). Users' carts are never purged.
 */
export async function purgeStaleGuestCarts(
	db: Db,
): Promise<{ guestCarts: number }> {
	const { rows } = await db.execute<{ deleted: number }>(sql`
		with stale as (
			select id from carts
			where user_id is null
				and updated_at < now() - make_interval(days => ${GUEST_CART_TTL_DAYS})
			limit ${PURGE_BATCH}
		), deleted as (
			delete from carts c using stale s where c.id = s.id returning c.id
		)
		select count(*)::int as deleted from deleted`);
	return { guestCarts: rows[0]?.deleted ?? 0 };
}
