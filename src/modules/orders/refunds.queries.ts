import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { uuidv7 } from "../../lib/ids";
import {
	type OrderRef,
	type OrderSnapshot,
	orderIdSql,
	snapshotSql,
} from "./snapshot.queries";
import {
	type Attribution,
	type Cancelled,
	cancelPaidOrderSql,
} from "./transitions.queries";

/** Stripe's refund statuses (the `refunds_status_known` CHECK). */
export type RefundStatus =
	| "pending"
	| "requires_action"
	| "succeeded"
	| "failed"
	| "canceled";

interface RefundFacts {
	stripeRefundId: string;
	amount: number;
	currency: string;
	status: RefundStatus;
	reason: string;
	/** Who asked for it; null for a refund Stripe reported that we did not start. */
	createdBy?: string | null;
}

/**
 * Holds the order's row lock for the rest of the batch. Reconciliations of different refunds of
 * one order then run one after another, and each later statement of the batch (READ COMMITTED:
 * a snapshot per statement) sees every refund committed before: the sum cannot lose one.
 */
function lockOrderSql(ref: OrderRef): SQL {
	return sql`select id from orders where id = ${orderIdSql(ref)} for update`;
}

/**
 * Gives an admin refund's reservation its Stripe refund id, when the request that made the
 * refund died before its own second batch did it (the reservation is still unattached and no
 * row has that Stripe id yet); a no-op otherwise.
 */
function attachReservationSql(
	ref: OrderRef,
	reservationId: string,
	stripeRefundId: string,
): SQL {
	return sql`update refunds set stripe_refund_id = ${stripeRefundId}, updated_at = now()
		where id = ${reservationId}::uuid and order_id = ${orderIdSql(ref)}
			and stripe_refund_id is null
			and not exists (select 1 from refunds where stripe_refund_id = ${stripeRefundId})`;
}

/** What upsertRefundSql answers: did THIS statement see the refund succeed (first time)? */
export interface RefundUpserted extends Record<string, unknown> {
	succeeded_now: boolean;
}

/**
 * Inserts or updates the refund by its Stripe id. A reported status never moves a finished
 * refund (succeeded, failed, canceled) back to an unfinished one: reads of Stripe may arrive late.
 * Answers `succeeded_now` (true once per refund: the order lock of refundStatements serialises
 * reconciliations, and each statement sees the ones committed before it).
 */
function upsertRefundSql(ref: OrderRef, r: RefundFacts): SQL {
	return sql`with prev as (
		select status from refunds where stripe_refund_id = ${r.stripeRefundId}
	), up as (
		insert into refunds (id, order_id, stripe_refund_id, amount, currency, reason, status, created_by)
		select ${uuidv7()}::uuid, o.id, ${r.stripeRefundId}, ${r.amount}::int, ${r.currency.toUpperCase()},
			${r.reason}, ${r.status}, ${r.createdBy ?? null}::uuid
		from orders o where o.id = ${orderIdSql(ref)}
		on conflict (stripe_refund_id) do update set
			amount = excluded.amount,
			status = case
				when refunds.status in ('succeeded', 'failed', 'canceled')
					and excluded.status in ('pending', 'requires_action') then refunds.status
				else excluded.status end,
			updated_at = now()
		returning status
	)
	select coalesce((select status from up) = 'succeeded'
		and (select status from prev) is distinct from 'succeeded', false) as succeeded_now`;
}

/**
 * Recomputes `refunded_total` from the order's succeeded refunds (capped at the total: a refund
 * of a payment that never applied to the order may be larger) and moves
 * `paid|fulfilled|delivered|partially_refunded → partially_refunded|refunded`; a cancelled or
 * pending order keeps its status. One row: `{ changed, order }`.
 */
function settleRefundsSql(ref: OrderRef, who: Attribution): SQL {
	const id = orderIdSql(ref);
	return sql`with next as (
		select o.id, o.status, s.refunded,
			case when s.refunded > 0 and o.status in ('paid', 'fulfilled', 'delivered', 'partially_refunded')
				then (case when s.refunded >= o.total then 'refunded' else 'partially_refunded' end)::order_status
				else o.status end as to_status
		from orders o, lateral (
			select least(o.total, coalesce(sum(r.amount), 0))::int as refunded
			from refunds r where r.order_id = o.id and r.status = 'succeeded'
		) s
		where o.id = ${id}
	), upd as (
		update orders o set refunded_total = n.refunded, status = n.to_status, updated_at = now()
		from next n
		where o.id = n.id and (o.refunded_total <> n.refunded or o.status <> n.to_status)
		returning o.*, n.status as from_status
	), event as (
		insert into order_events (id, order_id, type, from_status, to_status, actor, actor_id, data, stripe_event_id)
		select ${uuidv7()}::uuid, u.id, 'status_changed', u.from_status, u.status, ${who.actor}::order_actor,
			${who.actorId ?? null}::uuid, jsonb_build_object('refundedTotal', u.refunded_total), ${who.stripeEventId ?? null}
		from upd u where u.status <> u.from_status
		on conflict do nothing
	)
	select exists (select 1 from upd u where u.status <> u.from_status) as changed,
		coalesce((select ${snapshotSql("upd")} from upd), (select ${snapshotSql("o")} from orders o where o.id = ${id})) as "order"`;
}

/** What settleRefundsSql answers. */
interface SettledRefunds {
	changed: boolean;
	order: OrderSnapshot | null;
}

/**
 * The statements of one refund reconciliation, named for `batch()` (ONE round trip, one
 * transaction; spread them first, in this order): lock the order, optionally cancel it with a
 * restock (a refund made to cancel a paid order: whichever of the cancel request and the refund's
 * webhook comes first does it, the other is a no-op), record the refund, settle the totals and
 * status.
 */
export function refundStatements(
	db: Db,
	p: {
		ref: OrderRef;
		refund: RefundFacts;
		who: Attribution;
		cancel?: { orderId: string; reason: string };
		/**
		 * The admin refund's reservation (a `pending` row without a Stripe id) that this Stripe
		 * refund was made for: attached first, so the refund settles that row instead of a new one.
		 */
		reservationId?: string;
	},
) {
	return {
		lock: db.execute(lockOrderSql(p.ref)),
		attach: p.reservationId
			? db.execute(
					attachReservationSql(p.ref, p.reservationId, p.refund.stripeRefundId),
				)
			: undefined,
		cancel: p.cancel
			? db.execute<Cancelled>(cancelPaidOrderSql({ ...p.cancel, ...p.who }))
			: undefined,
		refund: db.execute<RefundUpserted>(upsertRefundSql(p.ref, p.refund)),
		settle: db.execute<SettledRefunds & Record<string, unknown>>(
			settleRefundsSql(p.ref, p.who),
		),
	};
}
