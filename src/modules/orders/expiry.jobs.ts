import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { log } from "../../lib/log";
import type { Services } from "../../services";
import {
	applyCancellation,
	applySucceededPayment,
} from "../payments/payments.service";
import {
	cancelPaymentIntent,
	isProviderFailure,
} from "../payments/stripe.calls";
import { type Attribution, SQL_UUIDV7 } from "./transitions.queries";

/** Orders per run (oldest deadline first): one run stays short; the next run continues. */
const EXPIRY_BATCH = 50;
/** Orders handled at once: each is a Stripe call and a round trip. */
const EXPIRY_CONCURRENCY = 5;
const SYSTEM: Attribution = { actor: "system" };

type Outcome = "expired" | "paid" | "left" | "failed";

/**
 * One overdue order: its PaymentIntent is cancelled at Stripe first, so it can no longer be paid;
 * then the order is cancelled (`payment_timeout`), its stock released, `order_cancelled` enqueued.
 * If Stripe says the payment already succeeded, the order is processed as paid instead. Stripe
 * decides which of the two happened, and the conditional transitions make a racing webhook a
 * no-op, so expiry and payment always agree.
 */
async function expireOne(
	services: Services,
	order: { id: string; paymentIntentId: string | null },
): Promise<Outcome> {
	const id = order.paymentIntentId;
	const pi = id
		? await cancelPaymentIntent(services.stripe, id, {
				idempotencyKey: `expire-${order.id}`,
				reason: "abandoned",
			})
		: null;
	if (pi?.status === "succeeded") {
		const { outcome } = await applySucceededPayment(services, pi, SYSTEM);
		return outcome === "paid" ? "paid" : "left";
	}
	// processing and the like: the payment may still complete; the next run looks again.
	if (pi && pi.status !== "canceled") return "left";
	const { cancelled } = await applyCancellation(services, {
		orderId: order.id,
		reason: "payment_timeout",
		paymentStatus: pi?.status,
		...SYSTEM,
	});
	return cancelled ? "expired" : "left";
}

/**
 * Cancels pending orders past their payment deadline, at most EXPIRY_BATCH per run. Orders whose
 * payment did not match them are left to the admin (never retried here every run).
 */
export async function expireUnpaidOrders(
	services: Services,
): Promise<Record<Outcome, number>> {
	const { rows: due } = await services.db.execute<{
		id: string;
		paymentIntentId: string | null;
	}>(sql`select o.id, o.payment_intent_id as "paymentIntentId" from orders o
		where o.status = 'pending_payment' and o.payment_due_at < now()
			and not exists (select 1 from order_events e
				where e.order_id = o.id and e.type = 'payment_amount_mismatch')
		order by o.payment_due_at
		limit ${EXPIRY_BATCH}`);
	const counts: Record<Outcome, number> = {
		expired: 0,
		paid: 0,
		left: 0,
		failed: 0,
	};
	let stripeDown = false;
	for (let i = 0; i < due.length && !stripeDown; i += EXPIRY_CONCURRENCY) {
		const chunk = due.slice(i, i + EXPIRY_CONCURRENCY);
		const outcomes = await Promise.all(
			chunk.map((order) =>
				expireOne(services, order).catch((err: unknown): Outcome => {
					stripeDown ||= isProviderFailure(err);
					log("warn", "order expiry failed; next run retries", {
						orderId: order.id,
						error: err instanceof Error ? err.message : String(err),
					});
					return "failed";
				}),
			),
		);
		for (const outcome of outcomes) counts[outcome] += 1;
	}
	// Stripe unavailable: the rest waits for the next run instead of timing out one by one.
	counts.left += due.length - Object.values(counts).reduce((a, b) => a + b, 0);
	return counts;
}

/** Rows per run, so one run stays a short statement. */
const PURGE_BATCH = 5000;

/** Idempotency-Key records past their 24 h life (replays of them are over). */
export async function purgeExpiredIdempotencyKeys(
	db: Db,
): Promise<{ idempotencyKeys: number }> {
	const { rows } = await db.execute<{ deleted: number }>(sql`
		with expired as (
			select scope, key from idempotency_keys where expires_at < now() limit ${PURGE_BATCH}
		), deleted as (
			delete from idempotency_keys k using expired e
			where k.scope = e.scope and k.key = e.key
			returning 1
		)
		select count(*)::int as deleted from deleted`);
	return { idempotencyKeys: rows[0]?.deleted ?? 0 };
}

/**
 * Admin refund reservations (`pending`, no Stripe id) older than an hour: their request died
 * before Stripe made a refund, or made one whose events never named the reservation. Released,
 * with an internal timeline row, so the amount is refundable again. Money stays safe either way:
 * a refund Stripe did make is recorded by its webhook as a row of its own, and Stripe itself
 * never refunds more than the charge.
 */
export async function releaseStaleRefundReservations(
	db: Db,
): Promise<{ refundReservations: number }> {
	const { rows } = await db.execute<{ released: number }>(sql`
		with stale as (
			delete from refunds
			where id in (select id from refunds where status = 'pending' and stripe_refund_id is null
				and created_at < now() - interval '1 hour' limit 100)
				and status = 'pending' and stripe_refund_id is null
			returning id, order_id, amount
		), noted as (
			insert into order_events (id, order_id, type, actor, data, internal)
			select ${SQL_UUIDV7}, s.order_id, 'refund_reservation_released', 'system',
				jsonb_build_object('refundId', s.id, 'amount', s.amount), true
			from stale s
		)
		select count(*)::int as released from stale`);
	return { refundReservations: rows[0]?.released ?? 0 };
}
