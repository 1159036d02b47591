import { z } from "zod";

/**
 * Stripe events the `stripe-events` consumer acts on. Any other type is acknowledged by the
 * webhook and recorded as processed. `charge.refunded` is left out on purpose: its refunds
 * arrive as `refund.*` events of their own.
 */
const HANDLED_EVENT_TYPES = [
	"payment_intent.succeeded",
	"payment_intent.payment_failed",
	"payment_intent.canceled",
	"refund.created",
	"refund.updated",
	"refund.failed",
	"charge.refund.updated",
] as const;

const handled = new Set<string>(HANDLED_EVENT_TYPES);

export function isHandledEventType(type: string): boolean {
	return handled.has(type);
}

/** A message on the `stripe-events` queue: which event, and the object to re-read from Stripe. */
export const stripeEventMessageSchema = z.object({
	eventId: z.string().regex(/^evt_\w+$/),
	type: z.enum(HANDLED_EVENT_TYPES),
	objectId: z.string().regex(/^(pi|re|pyr)_\w+$/),
});

export type StripeEventMessage = z.infer<typeof stripeEventMessageSchema>;

/** Validates the message, then puts it on the queue (the producer side of the consumer). */
export async function enqueueStripeEvent(
	queue: Queue,
	message: StripeEventMessage,
): Promise<void> {
	await queue.send(stripeEventMessageSchema.parse(message), {
		contentType: "json",
	});
}
