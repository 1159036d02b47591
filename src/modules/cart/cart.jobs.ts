import { and, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { carts } from "../../db/schema";
import { GUEST_CART_TTL_DAYS } from "./cart-token";

/** Rows per run, so one run stays a short statement; the next run (5 min later) continues. */
const PURGE_BATCH = 5000;

/**
 * Deletes guest carts (active or already merged) whose last write is older than 30 days; their
 * lines go with them (ON DELETE CASCADE). Users' carts are never purged.
 */
export async function purgeStaleGuestCarts(
	db: Db,
): Promise<{ guestCarts: number }> {
	const stale = db
		.select({ id: carts.id })
		.from(carts)
		.where(
			and(
				isNull(carts.userId),
				lt(
					carts.updatedAt,
					sql`now() - make_interval(days => ${GUEST_CART_TTL_DAYS})`,
				),
			),
		)
		.limit(PURGE_BATCH);
	const deleted = await db
		.delete(carts)
		.where(inArray(carts.id, stale))
		.returning({ id: carts.id });
	return { guestCarts: deleted.length };
}
