import { type SQL, sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids";
import {
	type OrderRef,
	orderIdSql,
	snapshotSql,
} from "../orders/snapshot.queries";

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

/**
 * A failed payment attempt on the timeline (the customer may retry with another card until the
 * deadline): one row per Stripe event and per failed charge; the order stays pending.
 */
export function recordPaymentFailedSql(p: {
	ref: OrderRef;
	stripeEventId: string;
	paymentStatus: string;
	failure: {
		paymentIntentId: string;
		chargeId: string | null;
		code: string | null;
		declineCode: string | null;
		message: string | null;
	};
}): SQL {
	const id = orderIdSql(p.ref);
	return sql`with upd as (
		update orders set payment_status = ${p.paymentStatus}, updated_at = now()
		where id = ${id} and status = 'pending_payment'
		returning id
	), noted as (
		insert into order_events (id, order_id, type, actor, data, stripe_event_id)
		select ${uuidv7()}::uuid, upd.id, 'payment_failed', 'stripe'::order_actor, ${JSON.stringify(p.failure)}::jsonb, ${p.stripeEventId}
		from upd
		where ${p.failure.chargeId}::text is null or not exists (select 1 from order_events e
			where e.order_id = upd.id and e.type = 'payment_failed' and e.data->>'chargeId' = ${p.failure.chargeId})
		on conflict do nothing
		returning id
	)
	select exists (select 1 from noted) as recorded,
		(select ${snapshotSql("o")} from orders o where o.id = ${id}) as "order"`;
}
