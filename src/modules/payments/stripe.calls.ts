import Stripe from "stripe";
import { ApiError } from "../../lib/errors";

const { errors } = Stripe;

/** How long a client is asked to wait when Stripe is unavailable. */
const RETRY_AFTER_SECONDS = 10;

/** Stripe unreachable, timing out, rate limiting or failing on its side: worth retrying later. */
export function isProviderFailure(err: unknown): boolean {
	return (
		err instanceof errors.StripeConnectionError ||
		err instanceof errors.StripeAPIError ||
		err instanceof errors.StripeRateLimitError ||
		(err instanceof errors.StripeError && (err.statusCode ?? 0) >= 500)
	);
}

/** 503 PAYMENT_PROVIDER_UNAVAILABLE with Retry-After: nothing was changed, the call may be repeated. */
export function providerUnavailable(): ApiError {
	return new ApiError(
		"PAYMENT_PROVIDER_UNAVAILABLE",
		"The payment provider is unavailable; nothing was changed. Try again shortly.",
		{ retryAfterSeconds: RETRY_AFTER_SECONDS },
		{ "Retry-After": String(RETRY_AFTER_SECONDS) },
	);
}

const isMissing = (err: unknown) =>
	err instanceof errors.StripeInvalidRequestError &&
	err.code === "resource_missing";

/**
 * Cancels a PaymentIntent. One that can no longer be cancelled (succeeded, already canceled,
 * processing) is re-read and returned as it is now: an idempotent replay of the refusal would
 * show its state at the first attempt. Null when Stripe has no such PaymentIntent (nothing can
 * ever be collected with it, e.g. a local stand-in restarted with an empty memory).
 */
export async function cancelPaymentIntent(
	stripe: Stripe,
	id: string,
	opts: {
		idempotencyKey: string;
		reason: Stripe.PaymentIntentCancelParams.CancellationReason;
	},
): Promise<Stripe.PaymentIntent | null> {
	try {
		return await stripe.paymentIntents.cancel(
			id,
			{ cancellation_reason: opts.reason },
			{ idempotencyKey: opts.idempotencyKey },
		);
	} catch (err) {
		if (isMissing(err)) return null;
		if (
			err instanceof errors.StripeInvalidRequestError &&
			err.code === "payment_intent_unexpected_state"
		)
			return stripe.paymentIntents.retrieve(id);
		throw err;
	}
}

/** Why we refund: the refund's metadata says it, so its webhook knows what to reconcile. */
type RefundPurpose = "cancel" | "unapplied_payment";

/**
 * A full refund of what the PaymentIntent collected and has not been refunded yet. Null when
 * nothing is left to refund (someone refunded it already, e.g. in the Stripe dashboard).
 */
export async function refundPayment(
	stripe: Stripe,
	p: {
		paymentIntentId: string;
		orderId: string;
		purpose: RefundPurpose;
		idempotencyKey: string;
	},
): Promise<Stripe.Refund | null> {
	try {
		return await stripe.refunds.create(
			{
				payment_intent: p.paymentIntentId,
				...(p.purpose === "cancel" && { reason: "requested_by_customer" }),
				metadata: { orderId: p.orderId, purpose: p.purpose },
			},
			{ idempotencyKey: p.idempotencyKey },
		);
	} catch (err) {
		if (
			err instanceof errors.StripeInvalidRequestError &&
			err.code === "charge_already_refunded"
		)
			return null;
		throw err;
	}
}
