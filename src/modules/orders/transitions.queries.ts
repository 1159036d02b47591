import { type SQL, sql } from "drizzle-orm";
import type { OrderStatus } from "../../db/schema";
import { uuidv7 } from "../../lib/ids";
import {
	type OrderSnapshot,
	orderIdSql,
	snapshotSql,
} from "./snapshot.queries";

/**
 * The order state machine's statements. Each transition is ONE statement: a conditional
 * `UPDATE orders … WHERE status = <expected> RETURNING` whose CTEs move stock, write the inventory
 * ledger and the timeline only for the row it returned, so a duplicate, stale or concurrent actor
 * changes nothing: the database decides. Every statement answers with the order as it is after
 * the statement (a locking read follows a concurrent writer's commit, so the status is current).
 */

export type OrderActor = "customer" | "admin" | "stripe" | "system";

/** Who moved the order; `stripeEventId` makes the timeline row idempotent per Stripe event. */
export interface Attribution {
	actor: OrderActor;
	actorId?: string | null;
	stripeEventId?: string;
}

/** The row of cancelPendingOrderSql and cancelPaidOrderSql. */
export interface Cancelled extends Record<string, unknown> {
	/** True when this statement made the transition. */
	cancelled: boolean;
	/** The order's status after the statement; null when there is no such order. */
	status: OrderStatus | null;
	order: OrderSnapshot | null;
}

/** The row of markPaidSql. */
export interface Paid extends Record<string, unknown> {
	outcome: PaymentOutcome;
	order: OrderSnapshot | null;
}

/**
 * A UUIDv7 computed by PostgreSQL (17 has no uuidv7()): for rows a statement creates in numbers
 * only it knows, one ledger row per line. gen_random_uuid's bytes with the first 48 bits replaced
 * by the Unix time in ms and the version nibble set to 7 (the variant bits are already RFC 9562's).
 */
export const SQL_UUIDV7 = sql.raw(
	"encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid",
);

/**
 * The ledger rows and timeline row of a transition whose `upd` CTE returned the order:
 * `lines` (quantities per variant), `moved` (the variants UPDATE), `ledger`, `event`, and `cur`,
 * the order read with a lock when the transition did not happen. The caller adds the variants
 * UPDATE's SET clause and the ledger columns.
 */
function transition(p: {
	update: SQL;
	from: OrderStatus;
	to: OrderStatus;
	/** `remaining`: units not yet restocked (a restock), else the bought quantity. */
	quantity: "bought" | "remaining";
	stockSet: SQL;
	ledger: { delta: SQL; reservedDelta: SQL; reason: string };
	extra?: SQL;
	who: Attribution;
	data: Record<string, unknown>;
	ref: SQL;
	select: SQL;
}): SQL {
	const qty =
		p.quantity === "bought"
			? sql`i.quantity`
			: sql`(i.quantity - i.restocked_quantity)`;
	return sql`with upd as (${p.update}
	), lines as (
		select i.variant_id, sum(${qty})::int as qty
		from order_items i join upd on i.order_id = upd.id
		where i.variant_id is not null
		group by i.variant_id
		having sum(${qty}) > 0
		-- variants in id order: concurrent transitions of orders sharing variants then tend to
		-- lock them in the same order (a deadlock is still possible, and aborts one of them)
		order by i.variant_id
	), moved as (
		update variants v set ${p.stockSet}, updated_at = now()
		from lines l where v.id = l.variant_id
		returning v.id, v.on_hand, l.qty
	), ledger as (
		insert into inventory_ledger (id, variant_id, delta, reserved_delta, on_hand_after, reason, order_id, actor_id)
		select ${SQL_UUIDV7}, m.id, ${p.ledger.delta}, ${p.ledger.reservedDelta}, m.on_hand, ${p.ledger.reason}, upd.id, ${p.who.actorId ?? null}::uuid
		from moved m, upd
	), event as (
		insert into order_events (id, order_id, type, from_status, to_status, actor, actor_id, data, stripe_event_id)
		select ${uuidv7()}::uuid, upd.id, 'status_changed', ${p.from}::order_status, ${p.to}::order_status,
			${p.who.actor}::order_actor, ${p.who.actorId ?? null}::uuid,
			${JSON.stringify(p.data)}::jsonb, ${p.who.stripeEventId ?? null}
		from upd
		on conflict do nothing
	)${p.extra ?? sql``}, cur as (
		select o.* from orders o
		where o.id = ${p.ref} and not exists (select 1 from upd)
		for share of o
	)
	${p.select}`;
}

/**
 * `pending_payment → cancelled`: every line's reservation released (`reserved -= q`, ledger
 * `release`), cancelled_at and reason set, a timeline row. One row:
 * `{ cancelled, status, order }` (`status` null when there is no such order).
 *
 * With `paymentIntentId` (a cancellation Stripe reported) the order is the one holding that
 * PaymentIntent (else `orderId`, from its metadata), and only while it holds no other one.
 */
export function cancelPendingOrderSql(
	p: {
		reason: string;
		actor: OrderActor;
		actorId?: string | null;
		stripeEventId?: string;
		/** Stripe's last PaymentIntent status, when the cancellation comes from there. */
		paymentStatus?: string;
	} & (
		| { orderId: string; paymentIntentId?: undefined }
		| { orderId?: string | null; paymentIntentId: string }
	),
): SQL {
	const pi = p.paymentIntentId;
	const ref =
		pi === undefined
			? sql`${p.orderId}::uuid`
			: orderIdSql({ paymentIntentId: pi, orderId: p.orderId });
	const samePayment =
		pi === undefined
			? sql``
			: sql` and (payment_intent_id = ${pi} or payment_intent_id is null)`;
	return transition({
		update: sql`update orders set status = 'cancelled', cancelled_at = now(), cancel_reason = ${p.reason},
			payment_status = coalesce(${p.paymentStatus ?? null}, payment_status), updated_at = now()
		where id = ${ref} and status = 'pending_payment'${samePayment}
		returning *`,
		from: "pending_payment",
		to: "cancelled",
		quantity: "bought",
		stockSet: sql`reserved = v.reserved - l.qty`,
		ledger: { delta: sql`0`, reservedDelta: sql`-m.qty`, reason: "release" },
		who: p,
		data: { reason: p.reason },
		ref,
		select: sql`select exists (select 1 from upd) as cancelled,
			coalesce((select status from upd), (select status from cur)) as status,
			coalesce((select ${snapshotSql("upd")} from upd), (select ${snapshotSql("cur")} from cur)) as "order"`,
	});
}

export type PaymentOutcome =
	/** Marked paid now. */
	| "paid"
	/** This PaymentIntent paid the order before (a duplicate, or a later status). */
	| "already_paid"
	/** Pending, but the amount or currency differs from the order's: never paid, recorded. */
	| "amount_mismatch"
	/** The order is cancelled or was paid otherwise: the money must go back (recorded). */
	| "not_payable"
	| "not_found";

/**
 * `pending_payment → paid` for a succeeded PaymentIntent, only when its id (or none stored yet),
 * amount and currency match the order: reserved stock becomes a sale (`on_hand -= q`,
 * `reserved -= q`, ledger `sale`), paid_at and payment_status set, a timeline row. Otherwise a
 * `payment_amount_mismatch` or `payment_not_applied` timeline row (once per PaymentIntent) and
 * the order untouched. One row: `{ outcome, order }`.
 */
export function markPaidSql(p: {
	paymentIntentId: string;
	/** `metadata.orderId` of the PaymentIntent, for an order whose PaymentIntent id is not stored. */
	orderId?: string | null;
	amount: number;
	currency: string;
	actor: OrderActor;
	actorId?: string | null;
	stripeEventId?: string;
}): SQL {
	const pi = p.paymentIntentId;
	const ref = orderIdSql({ paymentIntentId: pi, orderId: p.orderId });
	const payment = {
		paymentIntentId: pi,
		amount: p.amount,
		currency: p.currency.toUpperCase(),
	};
	return transition({
		update: sql`update orders set status = 'paid', paid_at = now(), payment_status = 'succeeded',
			payment_intent_id = ${pi}, updated_at = now()
		where id = ${ref} and status = 'pending_payment'
			and (payment_intent_id = ${pi} or payment_intent_id is null)
			and total = ${p.amount}::int and currency = ${payment.currency}
		returning *`,
		from: "pending_payment",
		to: "paid",
		quantity: "bought",
		stockSet: sql`on_hand = v.on_hand - l.qty, reserved = v.reserved - l.qty`,
		ledger: { delta: sql`-m.qty`, reservedDelta: sql`-m.qty`, reason: "sale" },
		who: p,
		data: payment,
		ref,
		select: sql`, verdict as (
		select case
			when exists (select 1 from upd) then 'paid'
			when c.id is null then 'not_found'
			when c.paid_at is not null and c.payment_intent_id = ${pi} then 'already_paid'
			when c.status = 'pending_payment' and (c.payment_intent_id = ${pi} or c.payment_intent_id is null) then 'amount_mismatch'
			else 'not_payable'
		end as outcome
		from (select 1) one left join cur c on true
	), noted as (
		insert into order_events (id, order_id, type, actor, actor_id, data, stripe_event_id)
		select ${uuidv7()}::uuid, c.id, t.type, ${p.actor}::order_actor, ${p.actorId ?? null}::uuid,
			${JSON.stringify(payment)}::jsonb || jsonb_build_object('orderStatus', c.status, 'orderTotal', c.total, 'orderCurrency', c.currency),
			${p.stripeEventId ?? null}
		from cur c, verdict v,
			lateral (select case v.outcome when 'amount_mismatch' then 'payment_amount_mismatch' else 'payment_not_applied' end as type) t
		where v.outcome in ('amount_mismatch', 'not_payable')
			and not exists (select 1 from order_events e
				where e.order_id = c.id and e.type = t.type and e.data->>'paymentIntentId' = ${pi})
		on conflict do nothing
	)
	select v.outcome,
		coalesce((select ${snapshotSql("upd")} from upd), (select ${snapshotSql("cur")} from cur)) as "order"
	from verdict v`,
	});
}

/**
 * `paid → cancelled` with a full refund asked of Stripe: every unit not yet restocked goes back
 * on hand (`on_hand += q`, ledger `restock`, `restocked_quantity`), cancelled_at and reason set,
 * a timeline row. Run it in the batch of refundStatements (the refund row rides along). One row:
 * `{ cancelled, status, order }`.
 */
export function cancelPaidOrderSql(p: {
	orderId: string;
	reason: string;
	actor: OrderActor;
	actorId?: string | null;
	stripeEventId?: string;
}): SQL {
	const ref = sql`${p.orderId}::uuid`;
	return transition({
		update: sql`update orders set status = 'cancelled', cancelled_at = now(), cancel_reason = ${p.reason}, updated_at = now()
		where id = ${ref} and status = 'paid'
		returning *`,
		from: "paid",
		to: "cancelled",
		quantity: "remaining",
		stockSet: sql`on_hand = v.on_hand + l.qty`,
		ledger: { delta: sql`m.qty`, reservedDelta: sql`0`, reason: "restock" },
		extra: sql`, restocked as (
		update order_items i set restocked_quantity = i.quantity
		from upd where i.order_id = upd.id and i.variant_id is not null and i.restocked_quantity < i.quantity
	)`,
		who: p,
		data: { reason: p.reason, refund: "full" },
		ref,
		select: sql`select exists (select 1 from upd) as cancelled,
			coalesce((select status from upd), (select status from cur)) as status,
			coalesce((select ${snapshotSql("upd")} from upd), (select ${snapshotSql("cur")} from cur)) as "order"`,
	});
}
