import { type SQL, sql } from "drizzle-orm";
import type { IdempotencyClaim } from "../../lib/idempotency";
import { SQL_UUIDV7 } from "./transitions.queries";

export interface RestockLine {
	orderItemId: string;
	quantity: number;
}

/** Refunds that hold money: what is left to refund is the total less these. */
const HOLDING = sql.raw(`('pending', 'requires_action', 'succeeded')`);

export interface ReserveRow extends Record<string, unknown> {
	/** `ok`, `not_found`, `claim_lost`, `invalid_state`, `nothing_left`, `exceeds`, `bad_restock`. */
	outcome: string;
	amount: number | null;
	remaining: number | null;
	currency: string | null;
	status: string | null;
	payment_intent_id: string | null;
}

/**
 * Reserves a refund before Stripe is asked: a `pending` refunds row (no Stripe id yet) of
 * `amount` (null: everything left), only while this request holds its Idempotency-Key claim, the
 * order has been paid, and the amount fits in what is left (total less every pending or
 * succeeded refund, reservations included). Restock lines must be the order's and fit too.
 * Run after the order's row lock (lockOrderSql) so concurrent refunds see each other's rows.
 */
export function reserveRefundSql(p: {
	refundId: string;
	orderId: string;
	amount: number | null;
	reason: string;
	adminId: string;
	restock: RestockLine[];
	claim: IdempotencyClaim;
}): SQL {
	const id = sql`${p.orderId}::uuid`;
	return sql`with o as (
		select id, status, total, currency, payment_intent_id from orders where id = ${id}
	), held as (
		select coalesce(sum(amount), 0)::int as amount from refunds
		where order_id = ${id} and status in ${HOLDING}
	), amt as (
		select coalesce(${p.amount}::int, o.total - held.amount) as amount, o.total - held.amount as remaining
		from o, held
	), restock as (
		select i.id, r.quantity, i.quantity - i.restocked_quantity as lft
		from jsonb_to_recordset(${JSON.stringify(p.restock)}::jsonb) as r("orderItemId" uuid, quantity int)
		left join order_items i on i.id = r."orderItemId" and i.order_id = ${id}
	), verdict as (
		select case
			when not exists (select 1 from o) then 'not_found'
			when not exists (select 1 from idempotency_keys k where k.scope = ${p.claim.scope}
				and k.key = ${p.claim.key} and k.claim_id = ${p.claim.claimId}::uuid) then 'claim_lost'
			when (select status from o) not in ('paid', 'fulfilled', 'delivered', 'partially_refunded', 'refunded')
				or (select payment_intent_id from o) is null then 'invalid_state'
			when (select remaining from amt) <= 0 then 'nothing_left'
			when (select amount from amt) > (select remaining from amt) then 'exceeds'
			when exists (select 1 from restock where id is null or quantity > lft) then 'bad_restock'
			else 'ok' end as outcome
	), ins as (
		insert into refunds (id, order_id, amount, currency, reason, status, created_by)
		select ${p.refundId}::uuid, o.id, amt.amount, o.currency, ${p.reason}, 'pending', ${p.adminId}::uuid
		from o, amt, verdict where verdict.outcome = 'ok'
	)
	select v.outcome, (select amount from amt) as amount, (select remaining from amt) as remaining,
		(select currency from o) as currency, (select status from o)::text as status,
		(select payment_intent_id from o) as payment_intent_id
	from verdict v`;
}

/** Gives up a reservation Stripe did not turn into a refund. */
export function dropReservationSql(refundId: string): SQL {
	return sql`delete from refunds where id = ${refundId}::uuid and stripe_refund_id is null`;
}

/**
 * Gives the reservation Stripe's refund id, unless the refund's webhook recorded it first (then
 * the reservation is dropped, and refundStatements' upsert updates the webhook's row).
 */
export function attachRefundSql(
	refundId: string,
	stripeRefundId: string,
): { attach: SQL; drop: SQL } {
	return {
		attach: sql`update refunds set stripe_refund_id = ${stripeRefundId}, updated_at = now()
			where id = ${refundId}::uuid and stripe_refund_id is null
				and not exists (select 1 from refunds where stripe_refund_id = ${stripeRefundId})`,
		drop: dropReservationSql(refundId),
	};
}

/**
 * Puts refunded units back on hand: `restocked_quantity` raised (never past the quantity
 * bought), `on_hand` raised per variant, one `restock` ledger row per variant.
 */
export function restockSql(p: {
	orderId: string;
	adminId: string;
	lines: RestockLine[];
}): SQL {
	const id = sql`${p.orderId}::uuid`;
	return sql`with want as (
		select r."orderItemId" as id, r.quantity as qty
		from jsonb_to_recordset(${JSON.stringify(p.lines)}::jsonb) as r("orderItemId" uuid, quantity int)
	), items as (
		update order_items i set restocked_quantity = i.restocked_quantity + w.qty
		from want w where i.id = w.id and i.order_id = ${id} and i.restocked_quantity + w.qty <= i.quantity
		returning i.id, i.variant_id, w.qty
	), lines as (
		select variant_id, sum(qty)::int as qty from items where variant_id is not null
		group by variant_id order by variant_id
	), moved as (
		update variants v set on_hand = v.on_hand + l.qty, updated_at = now()
		from lines l where v.id = l.variant_id
		returning v.id, v.on_hand, l.qty
	), ledger as (
		insert into inventory_ledger (id, variant_id, delta, reserved_delta, on_hand_after, reason, order_id, actor_id)
		select ${SQL_UUIDV7}, m.id, m.qty, 0, m.on_hand, 'restock', ${id}, ${p.adminId}::uuid from moved m
	)
	select count(*)::int as restocked from items`;
}
