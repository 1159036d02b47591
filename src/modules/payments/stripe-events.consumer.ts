import Stripe from "stripe";
import { z } from "zod";
import { batch } from "../../db/batch";
import { log } from "../../lib/log";
import type { Services } from "../../services";
import { retryDelaySeconds } from "../emails/emails.consumer";
import { cancelledEmail, refundIssuedEmail } from "../orders/order-emails";
import { type RefundStatus, refundStatements } from "../orders/refunds.queries";
import {
	type OrderRef,
	type OrderSnapshot,
	orderSnapshotSql,
} from "../orders/snapshot.queries";
import type { Attribution } from "../orders/transitions.queries";
import { recordRefund } from "../stats/business-events";
import {
	applyCancellation,
	applySucceededPayment,
	metadataOrderId,
	metadataUuid,
} from "./payments.service";
import {
	type StripeEventMessage,
	stripeEventMessageSchema,
} from "./stripe-events.messages";
import {
	markEventFailedSql,
	markEventProcessedSql,
	noteEventErrorSql,
	recordPaymentFailedSql,
} from "./stripe-events.queries";

/** Why Stripe cancelled a PaymentIntent, as the order's cancel reason. */
const CANCEL_REASONS: Record<string, string> = {
	requested_by_customer: "customer_request",
	abandoned: "payment_timeout",
};

const REFUND_STATUSES = new Set<string>([
	"pending",
	"requires_action",
	"succeeded",
	"failed",
	"canceled",
]);

/**
 * A PaymentIntent event: the PaymentIntent is re-read (events are notifications, so order and
 * duplicates do not matter) and the state found is applied in ONE batch that also marks the
 * event processed.
 */
async function onPaymentIntent(
	services: Services,
	event: StripeEventMessage,
): Promise<void> {
	const pi = await services.stripe.paymentIntents.retrieve(event.objectId);
	const ref: OrderRef = {
		paymentIntentId: pi.id,
		orderId: metadataOrderId(pi.metadata),
	};
	const who: Attribution = { actor: "stripe", stripeEventId: event.eventId };
	const { db } = services;
	const processed = db.execute(markEventProcessedSql(event.eventId, ref));
	if (pi.status === "succeeded") {
		await applySucceededPayment(services, pi, who, { also: { processed } });
		return;
	}
	if (pi.status === "canceled") {
		await applyCancellation(
			services,
			{
				...ref,
				...who,
				reason:
					CANCEL_REASONS[pi.cancellation_reason ?? ""] ?? "payment_canceled",
				paymentStatus: "canceled",
			},
			{ processed },
		);
		return;
	}
	const failure = pi.last_payment_error;
	if (pi.status === "requires_payment_method" && failure) {
		await batch(db, {
			failed: db.execute(
				recordPaymentFailedSql({
					ref,
					stripeEventId: event.eventId,
					paymentStatus: pi.status,
					failure: {
						paymentIntentId: pi.id,
						chargeId: failure.charge ?? null,
						code: failure.code ?? null,
						declineCode: failure.decline_code ?? null,
						message: failure.message ?? null,
					},
				}),
			),
			processed,
		});
		return;
	}
	// processing, requires_action, …: nothing to apply until the next event.
	await processed;
}

/**
 * A refund event: the refund is re-read and reconciled (refunds row, refunded_total, status) in
 * ONE batch that also marks the event processed; a refund made to cancel a paid order completes
 * that cancellation if the cancel request has not yet. `refund_issued` once it succeeded.
 */
async function onRefund(
	services: Services,
	event: StripeEventMessage,
): Promise<void> {
	const refund = await services.stripe.refunds.retrieve(event.objectId);
	const pi =
		typeof refund.payment_intent === "string"
			? refund.payment_intent
			: (refund.payment_intent?.id ?? null);
	const orderId = metadataOrderId(refund.metadata);
	const ref: OrderRef | undefined = pi
		? { paymentIntentId: pi, orderId }
		: orderId
			? { orderId }
			: undefined;
	const purpose = refund.metadata?.purpose;
	const succeeded = refund.status === "succeeded";
	if (!ref) {
		log("warn", "refund without a PaymentIntent or order; ignored", {
			refundId: refund.id,
		});
		await services.db.execute(markEventProcessedSql(event.eventId));
		return;
	}
	const { db } = services;
	const who: Attribution = { actor: "stripe", stripeEventId: event.eventId };
	const processed = db.execute(markEventProcessedSql(event.eventId, ref));
	let order: OrderSnapshot | null;
	if (purpose === "unapplied_payment") {
		// The money of a payment that never applied to the order: not a refund of the order's payment.
		const { view } = await batch(db, {
			processed,
			view: db.execute<{ order: OrderSnapshot }>(orderSnapshotSql(ref)),
		});
		order = view.rows[0]?.order ?? null;
	} else {
		const status = (
			REFUND_STATUSES.has(refund.status ?? "") ? refund.status : "pending"
		) as RefundStatus;
		const cancel =
			purpose === "cancel" &&
			orderId &&
			status !== "failed" &&
			status !== "canceled"
				? { orderId, reason: "customer_request" }
				: undefined;
		const reconciled = await batch(db, {
			...refundStatements(db, {
				ref,
				who,
				cancel,
				reservationId:
					purpose === "admin_refund"
						? (metadataUuid(refund.metadata, "reservationId") ?? undefined)
						: undefined,
				refund: {
					stripeRefundId: refund.id,
					amount: refund.amount,
					currency: refund.currency,
					status,
					reason:
						purpose === "cancel"
							? "customer_request"
							: (refund.reason ?? "reported_by_stripe"),
				},
			}),
			processed,
		});
		order = reconciled.settle.rows[0]?.order ?? null;
		if (order && reconciled.refund.rows[0]?.succeeded_now)
			recordRefund(services.analytics, order, refund);
		if (reconciled.cancel?.rows[0]?.cancelled && order)
			await services.emails.send(cancelledEmail(order));
	}
	if (!order) {
		log("warn", "refund matches no order", { refundId: refund.id, pi });
		return;
	}
	if (succeeded)
		await services.emails.send(
			refundIssuedEmail(order, {
				id: refund.id,
				amount: refund.amount,
				currency: refund.currency,
			}),
		);
}

/** Stripe says the object does not exist: retrying cannot help. */
const isPermanent = (err: unknown) =>
	err instanceof Stripe.errors.StripeInvalidRequestError &&
	err.code === "resource_missing";

const describe = (err: unknown) =>
	err instanceof Error ? `${err.name}: ${err.message}` : String(err);

async function handle(message: Message, services: Services): Promise<void> {
	const parsed = stripeEventMessageSchema.safeParse(message.body);
	if (!parsed.success) {
		// A poison message would fail the same way forever: drop it loudly instead of looping.
		log("error", "invalid stripe-events message dropped", {
			messageId: message.id,
			issues: parsed.error.issues.slice(0, 5),
		});
		message.ack();
		return;
	}
	const event = parsed.data;
	try {
		if (event.type.startsWith("payment_intent."))
			await onPaymentIntent(services, event);
		else await onRefund(services, event);
		message.ack();
	} catch (err) {
		const error = describe(err);
		if (isPermanent(err)) {
			log("error", "stripe event cannot be applied; recorded as failed", {
				...event,
				error,
			});
			await services.db.execute(markEventFailedSql(event.eventId, error));
			message.ack();
			return;
		}
		const delaySeconds = retryDelaySeconds(message.attempts);
		log("warn", "stripe event failed, retrying", {
			...event,
			attempts: message.attempts,
			delaySeconds,
			error,
		});
		await services.db
			.execute(noteEventErrorSql(event.eventId, error))
			.catch(() => {});
		message.retry({ delaySeconds });
	}
}

/**
 * Consumer of the `stripe-events` queue: per event one Stripe read and at most one database
 * round trip; failures retry with backoff and land in the dead-letter queue when exhausted.
 */
export async function consumeStripeEvents(
	batch: MessageBatch,
	services: Services,
): Promise<void> {
	await Promise.all(batch.messages.map((message) => handle(message, services)));
	log("info", "stripe events batch done", {
		messages: batch.messages.length,
		dbRoundTrips: services.meter.roundTrips,
	});
}

const deadMessage = z.object({ eventId: z.string().min(1) });

/** Consumer of the stripe-events dead-letter queue: the event is marked failed for the admin. */
export async function consumeDeadStripeEvents(
	batch: MessageBatch,
	{ db }: Services,
): Promise<void> {
	await Promise.all(
		batch.messages.map(async (message) => {
			const parsed = deadMessage.safeParse(message.body);
			try {
				if (parsed.success)
					await db.execute(markEventFailedSql(parsed.data.eventId));
				log("error", "stripe event dead-lettered", {
					eventId: parsed.data?.eventId,
					messageId: message.id,
					attempts: message.attempts,
				});
				message.ack();
			} catch (err) {
				log("error", "stripe events dead-letter consumer error", {
					messageId: message.id,
					error: describe(err),
				});
				message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
			}
		}),
	);
}
