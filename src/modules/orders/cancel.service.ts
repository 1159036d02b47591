import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { batch } from "../../db/batch";
import { orders } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import type { Services } from "../../services";
import { type AuditActor, auditSql } from "../admin/audit.queries";
import {
	applyCancellation,
	applySucceededPayment,
} from "../payments/payments.service";
import {
	cancelPaymentIntent,
	isProviderFailure,
	providerUnavailable,
	refundPayment,
} from "../payments/stripe.calls";
import { recordRefund } from "../stats/business-events";
import { internalCancelReasonSql } from "./admin.actions.queries";
import { cancelledEmail, refundIssuedEmail } from "./order-emails";
import { type OrderReader, readableBy } from "./orders.access";
import { orderViewSql } from "./orders.queries";
import type { OrderView } from "./orders.schemas";
import { type RefundStatus, refundStatements } from "./refunds.queries";
import type { OrderSnapshot } from "./snapshot.queries";
import {
	type Attribution,
	type Cancelled,
	cancelPaidOrderSql,
} from "./transitions.queries";

const REASON = "customer_request";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidOrderState(status: string): ApiError {
	return new ApiError(
		"INVALID_ORDER_STATE",
		`An order in status ${status} cannot be cancelled`,
		{ status },
	);
}

/** Stripe first: when it is unreachable nothing has changed here, and the client may retry. */
async function atStripe<T>(call: () => Promise<T>): Promise<T> {
	try {
		return await call();
	} catch (err) {
		if (isProviderFailure(err)) throw providerUnavailable();
		throw err;
	}
}

/** The order view, read in the same batch right after the cancellation. */
const viewOf = ({ db }: Services, orderId: string) =>
	db.execute<{ order: OrderView }>(
		orderViewSql(sql`${orders.id} = ${orderId}::uuid`),
	);

interface Target {
	id: string;
	status: OrderSnapshot["status"];
	paymentIntentId: string | null;
}

/**
 * `paid → cancelled`: a full refund at Stripe (idempotency key from the order id, so a retried
 * request refunds once), then ONE batch cancels with a restock and records the refund. The
 * refund's webhook reconciles it later, and completes the cancellation if this request died
 * after the refund.
 */
async function cancelPaid(
	services: Services,
	order: Target,
	who: Attribution,
	reason: string,
): Promise<OrderView> {
	const pi = order.paymentIntentId;
	const refund = pi
		? await atStripe(() =>
				refundPayment(services.stripe, {
					paymentIntentId: pi,
					orderId: order.id,
					purpose: "cancel",
					idempotencyKey: `refund-cancel-${order.id}`,
				}),
			)
		: null;
	const cancel = { orderId: order.id, reason };
	const { db } = services;
	const done = await batch(db, {
		...(refund
			? refundStatements(db, {
					ref: { orderId: order.id },
					who,
					cancel,
					refund: {
						stripeRefundId: refund.id,
						amount: refund.amount,
						currency: refund.currency,
						status: (refund.status ?? "pending") as RefundStatus,
						reason,
						createdBy: who.actorId,
					},
				})
			: {
					cancel: db.execute<Cancelled>(
						cancelPaidOrderSql({ ...cancel, ...who }),
					),
				}),
		view: viewOf(services, order.id),
	});
	const after = done.view.rows[0]?.order;
	const snapshot = done.cancel?.rows[0]?.order;
	if (!after || !snapshot) throw new ApiError("NOT_FOUND", "Order not found");
	if (after.status !== "cancelled") throw invalidOrderState(after.status);
	if (refund && "settle" in done) {
		const settled = done.settle.rows[0]?.order;
		if (settled && done.refund.rows[0]?.succeeded_now)
			recordRefund(services.analytics, settled, refund);
	}
	await services.emails.send(cancelledEmail(snapshot));
	if (refund?.status === "succeeded")
		await services.emails.send(refundIssuedEmail(snapshot, refund));
	return after;
}

/**
 * `pending_payment → cancelled`: the PaymentIntent is cancelled at Stripe first (so it can no
 * longer be paid), then ONE statement releases the stock. If Stripe says the payment already
 * succeeded, the order is processed as paid and cancelled the paid way (refund, restock).
 */
async function cancelPending(
	services: Services,
	order: Target,
	who: Attribution,
	reason: string,
): Promise<OrderView> {
	const id = order.paymentIntentId;
	let pi: Stripe.PaymentIntent | null = null;
	if (id)
		pi = await atStripe(() =>
			cancelPaymentIntent(services.stripe, id, {
				idempotencyKey: `cancel-${order.id}`,
				reason: "requested_by_customer",
			}),
		);
	if (pi?.status === "succeeded") {
		const paid = await atStripe(() =>
			applySucceededPayment(services, pi, who, { confirm: false }),
		);
		if (paid.outcome === "paid" || paid.outcome === "already_paid")
			return cancelPaid(services, { ...order, status: "paid" }, who, reason);
		// amount_mismatch: the money never applied to the order; it goes back with the cancel.
		if (paid.outcome === "amount_mismatch")
			await atStripe(() =>
				refundPayment(services.stripe, {
					paymentIntentId: pi.id,
					orderId: order.id,
					purpose: "unapplied_payment",
					idempotencyKey: `refund-unapplied-${pi.id}`,
				}),
			);
	} else if (pi && pi.status !== "canceled")
		throw new ApiError(
			"INVALID_ORDER_STATE",
			`The payment is ${pi.status}; the order can be cancelled once it has settled`,
			{ status: order.status, paymentStatus: pi.status },
		);
	const result = await applyCancellation(
		services,
		{ orderId: order.id, reason, paymentStatus: pi?.status, ...who },
		{ view: viewOf(services, order.id) },
	);
	const view = result.also.view.rows[0]?.order;
	if (!result.order || !view)
		throw new ApiError("NOT_FOUND", "Order not found");
	if (view.status === "cancelled") return view;
	// Paid meanwhile (no PaymentIntent to cancel first, or a payment that raced this request).
	if (result.order.status === "paid")
		return cancelPaid(services, result.order, who, reason);
	throw invalidOrderState(result.order.status);
}

/**
 * The customer's cancel: pending_payment (cancel the payment, release stock) or paid and not yet
 * fulfilled (full refund, restock); anything later is 409 INVALID_ORDER_STATE naming the status.
 * Someone else's, an unknown order or an id that is not a UUID is 404 (the last two before any
 * round trip). Stripe unreachable → 503 with nothing changed.
 */
export async function cancelOrder(
	services: Services,
	params: { orderId: string; reader: OrderReader; actorId: string | null },
): Promise<OrderView> {
	if (params.reader.kind === "nobody" || !UUID.test(params.orderId))
		throw new ApiError("NOT_FOUND", "Order not found");
	const [order] = await services.db
		.select({
			id: orders.id,
			status: orders.status,
			paymentIntentId: orders.paymentIntentId,
		})
		.from(orders)
		.where(and(eq(orders.id, params.orderId), readableBy(params.reader)));
	if (!order) throw new ApiError("NOT_FOUND", "Order not found");
	const who: Attribution = { actor: "customer", actorId: params.actorId };
	return cancelAs(services, order, who, REASON);
}

function cancelAs(
	services: Services,
	order: Target,
	who: Attribution,
	reason: string,
): Promise<OrderView> {
	if (order.status === "pending_payment")
		return cancelPending(services, order, who, reason);
	if (order.status === "paid") return cancelPaid(services, order, who, reason);
	throw invalidOrderState(order.status);
}

/**
 * What the customer sees as the reason of an admin's cancel: a neutral code. The admin's own
 * words (fraud suspicion, a stock problem…) stay internal: on an internal timeline row and in the
 * audit log, never on the order's `cancel_reason`, its refund or the `order_cancelled` email.
 */
export const ADMIN_CANCEL_REASON = "cancelled_by_merchant";

/**
 * An admin's cancel of any order, the customer's way (same Stripe-first steps and states), with
 * the admin's id on the order and its timeline and the admin's reason kept internal (see
 * ADMIN_CANCEL_REASON). Answers the customer's view of the order.
 */
export async function adminCancelOrder(
	services: Services,
	params: { orderId: string; reason: string } & AuditActor,
): Promise<OrderView> {
	if (!UUID.test(params.orderId))
		throw new ApiError("NOT_FOUND", "Order not found");
	const [order] = await services.db
		.select({
			id: orders.id,
			status: orders.status,
			paymentIntentId: orders.paymentIntentId,
		})
		.from(orders)
		.where(eq(orders.id, params.orderId));
	if (!order) throw new ApiError("NOT_FOUND", "Order not found");
	const view = await cancelAs(
		services,
		order,
		{ actor: "admin", actorId: params.actorId },
		ADMIN_CANCEL_REASON,
	);
	// After the cancel's own batches (Stripe sits between them): the internal reason and the
	// audit row share one round trip.
	const { db } = services;
	await batch(db, {
		reason: db.execute(
			internalCancelReasonSql({
				orderId: order.id,
				adminId: params.actorId,
				reason: params.reason,
			}),
		),
		audit: db.execute(
			auditSql(params, {
				action: "order.cancel",
				targetType: "order",
				targetId: order.id,
				after: { status: view.status, reason: params.reason },
			}),
		),
	});
	return view;
}
