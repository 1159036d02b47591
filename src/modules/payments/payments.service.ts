import type { BatchItem } from "drizzle-orm/batch";
import type Stripe from "stripe";
import { z } from "zod";
import { type BatchResults, batch } from "../../db/batch";
import { log } from "../../lib/log";
import type { Services } from "../../services";
import { cancelledEmail, confirmationEmail } from "../orders/order-emails";
import {
	type Attribution,
	type Cancelled,
	cancelPendingOrderSql,
	markPaidSql,
	type Paid,
} from "../orders/transitions.queries";
import { recordOrderPaid } from "../stats/business-events";
import { refundPayment } from "./stripe.calls";

const uuid = z.uuid();

/** `metadata[field]` of a Stripe object we created, when it is a well-formed UUID. */
export function metadataUuid(
	metadata: Stripe.Metadata | null | undefined,
	field: string,
): string | null {
	const parsed = uuid.safeParse(metadata?.[field]);
	return parsed.success ? parsed.data : null;
}

/** `metadata.orderId` of a Stripe object we created, when it is a well-formed order id. */
export function metadataOrderId(
	metadata: Stripe.Metadata | null | undefined,
): string | null {
	return metadataUuid(metadata, "orderId");
}

/** Statements that ride in a transition's batch, after it (named as for `batch()`). */
type Also = Record<string, BatchItem<"pg"> | undefined>;

/**
 * Applies a succeeded PaymentIntent to its order in ONE round trip (`also` rides in the same
 * batch, e.g. marking the Stripe event processed), then:
 * - the order is paid → `order_confirmation` enqueued (whether or not this call paid it: the
 *   emails consumer dedupes by key, so a crash between the batch and the enqueue is recovered by
 *   a retry), unless `confirm: false` (a cancel that refunds next);
 * - the amount or currency differ → logged at error, left for the admin (never paid);
 * - the order is cancelled or was paid otherwise → logged at error and the PaymentIntent refunded
 *   at Stripe (idempotency key from its id), so no money is kept for nothing.
 */
export async function applySucceededPayment<
	const A extends Also = Record<string, never>,
>(
	services: Services,
	pi: Stripe.PaymentIntent,
	who: Attribution,
	opts: { also?: A; confirm?: boolean } = {},
): Promise<Paid & { also: BatchResults<A> }> {
	const { paid, ...also } = await batch(services.db, {
		paid: services.db.execute<Paid>(
			markPaidSql({
				paymentIntentId: pi.id,
				orderId: metadataOrderId(pi.metadata),
				amount: pi.amount_received,
				currency: pi.currency,
				...who,
			}),
		),
		...(opts.also ?? ({} as A)),
	});
	const row = paid.rows[0];
	if (!row) throw new Error("markPaidSql returned no row");
	const { outcome, order } = row;
	const facts = {
		paymentIntentId: pi.id,
		orderId: order?.id,
		amount: pi.amount_received,
		currency: pi.currency,
	};
	if (outcome === "paid" && order) recordOrderPaid(services.analytics, order);
	if (order?.status === "paid" && opts.confirm !== false)
		await services.emails.send(confirmationEmail(order));
	if (outcome === "amount_mismatch")
		log("error", "payment amount does not match the order; not paid", {
			...facts,
			orderTotal: order?.total,
			orderCurrency: order?.currency,
		});
	if (outcome === "not_found")
		log("warn", "succeeded PaymentIntent matches no order", facts);
	if (outcome === "not_payable" && order) {
		log("error", "payment for an order that cannot take it; refunding", {
			...facts,
			orderStatus: order.status,
		});
		await refundPayment(services.stripe, {
			paymentIntentId: pi.id,
			orderId: order.id,
			purpose: "unapplied_payment",
			idempotencyKey: `refund-unapplied-${pi.id}`,
		});
	}
	return { ...row, also: also as BatchResults<A> };
}

/**
 * `pending_payment → cancelled` in ONE round trip (with `also`), then `order_cancelled` enqueued
 * whenever the order is cancelled afterwards (deduped by key).
 */
export async function applyCancellation<
	const A extends Also = Record<string, never>,
>(
	services: Services,
	params: Parameters<typeof cancelPendingOrderSql>[0],
	also?: A,
): Promise<Cancelled & { also: BatchResults<A> }> {
	const { cancel, ...rest } = await batch(services.db, {
		cancel: services.db.execute<Cancelled>(cancelPendingOrderSql(params)),
		...(also ?? ({} as A)),
	});
	const row = cancel.rows[0];
	if (!row) throw new Error("cancelPendingOrderSql returned no row");
	if (row.order?.status === "cancelled")
		await services.emails.send(cancelledEmail(row.order));
	return { ...row, also: rest as BatchResults<A> };
}
