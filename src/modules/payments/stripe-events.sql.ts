import { type SQL, sql } from "drizzle-orm";
import { type OrderRef, orderIdSql } from "../orders/transitions.sql";

/**
 * Records a verified webhook event (its id is the primary key; a known event keeps its row) and
 * answers whether it still needs the consumer: new, or recorded but not processed (an enqueue
 * may have been lost). Unhandled types are recorded as processed. One row: `{ pending }`.
 */
export function recordStripeEventSql(p: {
	id: string;
	type: string;
	objectId: string | null;
	orderId: string | null;
	handled: boolean;
}): SQL {
	return sql`with ins as (
		insert into stripe_events (id, type, object_id, order_id, processed_at)
		values (${p.id}, ${p.type}, ${p.objectId}, ${p.orderId}::uuid, case when ${p.handled}::boolean then null else now() end)
		on conflict (id) do nothing
		returning processed_at
	)
	select coalesce(
		(select processed_at is null from ins),
		(select processed_at is null from stripe_events where id = ${p.id}),
		-- inserted by a concurrent delivery this statement cannot see yet: enqueue (the consumer is idempotent)
		true
	) as pending`;
}

/** Marks the event processed (first time wins) and links its order; rides in the consumer's batch. */
export function markEventProcessedSql(eventId: string, ref?: OrderRef): SQL {
	const orderId = ref ? orderIdSql(ref) : sql`null::uuid`;
	return sql`update stripe_events set processed_at = coalesce(processed_at, now()),
		order_id = coalesce(order_id, ${orderId}), last_error = null
	where id = ${eventId}`;
}

/** The last error of a failed attempt (the queue retries it), kept for the admin. */
export function noteEventErrorSql(eventId: string, error: string): SQL {
	return sql`update stripe_events set last_error = ${error.slice(0, 1000)} where id = ${eventId}`;
}

/** The queue gave up on the event (dead letter) or it can never succeed: the admin sees it. */
export function markEventFailedSql(eventId: string, error?: string): SQL {
	return sql`update stripe_events set failed_at = now(),
		last_error = coalesce(${error?.slice(0, 1000) ?? null}, last_error, 'dead-lettered')
	where id = ${eventId}`;
}
