import { createRoute, z } from "@hono/zod-openapi";
import type Stripe from "stripe";
import { ApiError, validationFailed } from "../../lib/errors";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { stripeCrypto } from "../../lib/stripe";
import { metadataOrderId } from "./payments.service";
import {
	enqueueStripeEvent,
	isHandledEventType,
	type StripeEventMessage,
	stripeEventMessageSchema,
} from "./stripe-events.messages";
import { recordStripeEventSql } from "./stripe-events.queries";

/** Stripe's default tolerance: a signature older than 5 minutes is refused (replays). */
const SIGNATURE_TOLERANCE_SECONDS = 300;

const invalidSignature = () =>
	new ApiError(
		"INVALID_SIGNATURE",
		"The Stripe-Signature header is missing, malformed, stale or does not match the body",
	);

/**
 * What a verified event must look like before anything is recorded: a signature proves who sent
 * the bytes, not that they are an event we can act on (a 500 here would be redelivered forever).
 */
const eventEnvelope = z.object({
	id: z.string().regex(/^evt_\w+$/),
	type: z.string().min(1).max(200),
	data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

const notAnEvent = () =>
	validationFailed(
		"The signed body is not a Stripe event VoidShop can record",
		{
			path: "(root)",
			message: "must be a Stripe event object (id, type, created, data.object)",
			code: "custom",
		},
	);

const receivedSchema = z
	.object({
		received: z.literal(true),
		/** False for a processed duplicate or an event type VoidShop does not act on. */
		queued: z.boolean(),
	})
	.openapi("StripeWebhookReceipt");

/** The object an event is about (a PaymentIntent, a refund, …), and its order when it names one. */
function subject(event: Stripe.Event): {
	objectId: string | null;
	orderId: string | null;
} {
	const object = event.data.object as {
		id?: unknown;
		metadata?: Stripe.Metadata | null;
	};
	return {
		objectId: typeof object.id === "string" ? object.id : null,
		orderId: metadataOrderId(object.metadata),
	};
}

/** /v1/webhooks: Stripe's event delivery. Public: the signature is the authentication. */
export const webhookRoutes = createRouter().openapi(
	createRoute({
		method: "post",
		path: "/stripe",
		tags: ["payments"],
		security: [],
		summary: "Stripe webhook events (signed)",
		description: `Called by Stripe, not by storefronts. The raw body's \`Stripe-Signature\` is verified (HMAC-SHA256 with the endpoint's signing secret, ${SIGNATURE_TOLERANCE_SECONDS} s tolerance); the event id is recorded and the event queued for the \`stripe-events\` consumer, which re-reads the object from Stripe. A duplicate of a processed event and event types VoidShop does not act on are acknowledged and dropped. One database round trip.`,
		request: {
			headers: z.object({
				"stripe-signature": z
					.string()
					.optional()
					.openapi({ example: "t=1700000000,v1=5257a8…" }),
			}),
		},
		responses: {
			200: jsonContent(receivedSchema, "event accepted"),
			...errorResponses(
				"INVALID_SIGNATURE",
				"VALIDATION_FAILED",
				"PAYLOAD_TOO_LARGE",
			),
		},
	}),
	async (c) => {
		const signature = c.req.header("Stripe-Signature");
		if (!signature) throw invalidSignature();
		// The signature covers the exact bytes: read the text before anything parses it.
		const raw = await c.req.text();
		const { services } = c.var;
		let event: Stripe.Event;
		try {
			event = await services.stripe.webhooks.constructEventAsync(
				raw,
				signature,
				services.config.STRIPE_WEBHOOK_SECRET,
				SIGNATURE_TOLERANCE_SECONDS,
				stripeCrypto,
			);
		} catch {
			throw invalidSignature();
		}
		if (!eventEnvelope.safeParse(event).success) throw notAnEvent();
		const handled = isHandledEventType(event.type);
		const { objectId, orderId } = subject(event);
		if (
			handled &&
			objectId !== null &&
			!stripeEventMessageSchema.safeParse({
				eventId: event.id,
				type: event.type,
				objectId,
			}).success
		)
			throw notAnEvent();
		const { rows } = await services.db.execute<{ pending: boolean }>(
			recordStripeEventSql({
				id: event.id,
				type: event.type,
				objectId,
				orderId,
				handled,
			}),
		);
		const queued = handled && objectId !== null && rows[0]?.pending === true;
		if (queued)
			// A failure here answers 500: Stripe redelivers, and the row (recorded, not processed)
			// is enqueued again then.
			await enqueueStripeEvent(services.stripeEvents, {
				eventId: event.id,
				type: event.type as StripeEventMessage["type"],
				objectId,
			});
		return c.json({ received: true as const, queued }, 200);
	},
);
