import { z } from "zod";
import { log } from "../../lib/log";

/**
 * Messages on the `emails` queue: one typed template per kind, each with the data it renders and
 * an idempotency key (e.g. `order_confirmation:<orderId>`) so a redelivery never sends twice.
 */
const base = {
	idempotencyKey: z.string().min(1).max(200),
	to: z.object({ email: z.email(), name: z.string().min(1).max(200) }),
};

const money = z.object({
	amount: z.number().int(),
	currency: z.string().length(3),
});
const orderLine = z.object({
	name: z.string(),
	sku: z.string(),
	quantity: z.number().int().positive(),
	lineTotal: money,
});
const address = z.object({
	name: z.string(),
	line1: z.string(),
	line2: z.string().nullish(),
	city: z.string(),
	region: z.string().nullish(),
	postalCode: z.string(),
	country: z.string().length(2),
});

export const emailMessageSchema = z.discriminatedUnion("template", [
	z.object({ ...base, template: z.literal("welcome"), data: z.object({}) }),
	z.object({
		...base,
		template: z.literal("password_reset"),
		/** The raw single-use token; only the email carries it, the database keeps a hash. */
		data: z.object({ token: z.string().min(16), expiresAt: z.iso.datetime() }),
	}),
	z.object({
		...base,
		template: z.literal("order_confirmation"),
		data: z.object({
			orderId: z.uuid(),
			orderNumber: z.string(),
			lines: z.array(orderLine).min(1),
			subtotal: money,
			shipping: money,
			tax: money,
			total: money,
			shippingAddress: address.nullish(),
		}),
	}),
	z.object({
		...base,
		template: z.literal("shipping_update"),
		data: z.object({
			orderId: z.uuid(),
			orderNumber: z.string(),
			status: z.enum(["shipped", "out_for_delivery", "delivered"]),
			carrier: z.string().nullish(),
			trackingNumber: z.string().nullish(),
			trackingUrl: z.url().nullish(),
		}),
	}),
	z.object({
		...base,
		template: z.literal("order_cancelled"),
		data: z.object({
			orderId: z.uuid(),
			orderNumber: z.string(),
			reason: z.string().nullish(),
		}),
	}),
	z.object({
		...base,
		template: z.literal("refund_issued"),
		data: z.object({
			orderId: z.uuid(),
			orderNumber: z.string(),
			amount: money,
		}),
	}),
]);

export type EmailMessage = z.infer<typeof emailMessageSchema>;

/** The emails queue as the rest of the app sees it (`services.emails`). */
export interface EmailQueue {
	/**
	 * The one way to send an email: validates the message, then puts it on the queue. Never waits
	 * on the email provider; the `emails` queue consumer delivers it.
	 */
	send(message: EmailMessage): Promise<void>;
	/**
	 * `send`, after the response has gone (waitUntil), so the response time says nothing about the
	 * email (e.g. whether an account exists). A failure is logged with `context`, never thrown.
	 */
	sendLater(message: EmailMessage, context?: Record<string, unknown>): void;
}

export function emailQueue(
	queue: Queue,
	waitUntil: (work: Promise<unknown>) => void = () => {},
): EmailQueue {
	const send = async (message: EmailMessage) => {
		await queue.send(emailMessageSchema.parse(message), {
			contentType: "json",
		});
	};
	return {
		send,
		sendLater(message, context = {}) {
			waitUntil(
				send(message).catch((err) =>
					log("error", "email enqueue failed", {
						...context,
						template: message.template,
						error: err instanceof Error ? err.message : String(err),
					}),
				),
			);
		},
	};
}
