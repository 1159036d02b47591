import { createExecutionContext, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { expect, vi } from "vitest";
import {
	inventoryLedger,
	orderEvents,
	orderItems,
	orders,
	refunds,
	stripeEvents,
	variants,
} from "../../../src/db/schema";
import type { EmailMessage } from "../../../src/modules/emails/emails.messages";
import type { StripeEventMessage } from "../../../src/modules/payments/stripe-events.messages";
import { handleQueue } from "../../../src/queues";
import { testDb, testServices } from "./db";
import { call } from "./http";
import { interceptOrigin } from "./network";
import { placeOrder, STRIPE_URL, stripeApi } from "./orders";
import { messageBatch } from "./queues";

export const WEBHOOK_SECRET = "whsec_voidshop_tests";
export const STRIPE_ORIGIN = new URL(STRIPE_URL).origin;

export interface StripeEventJson {
	id: string;
	type: string;
	data: { object: { id: string; [field: string]: unknown } };
	[field: string]: unknown;
}

const hex = (buffer: ArrayBuffer) =>
	Array.from(new Uint8Array(buffer), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");

/** `Stripe-Signature` as Stripe computes it: `t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export async function sign(
	body: string,
	opts: { secret?: string; timestamp?: number } = {},
): Promise<string> {
	const t = opts.timestamp ?? Math.floor(Date.now() / 1000);
	const key = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(opts.secret ?? WEBHOOK_SECRET),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const mac = await crypto.subtle.sign(
		"HMAC",
		key,
		new TextEncoder().encode(`${t}.${body}`),
	);
	return `t=${t},v1=${hex(mac)}`;
}

/** POSTs a raw body to the webhook route with the given signature header (none: omitted). */
export function postWebhook(body: string, signature?: string) {
	return call("/v1/webhooks/stripe", {
		method: "POST",
		headers: {
			"Content-Type": "application/json; charset=utf-8",
			...(signature === undefined ? {} : { "Stripe-Signature": signature }),
		},
		body,
	});
}

/** Delivers an event as Stripe would: its JSON, correctly signed now. */
export async function deliver(event: StripeEventJson): Promise<Response> {
	const body = JSON.stringify(event, null, 2);
	return postWebhook(body, await sign(body));
}

/** The events the stand-in recorded about an object (a PaymentIntent and its charges/refunds), oldest first. */
export async function eventsOf(objectId: string): Promise<StripeEventJson[]> {
	const res = await fetch(
		`${STRIPE_URL}/__control/events?object=${encodeURIComponent(objectId)}`,
	);
	expect(res.status).toBe(200);
	return ((await res.json()) as { data: StripeEventJson[] }).data;
}

/** The one recorded event of `type` about the object. */
export async function eventOf(
	objectId: string,
	type: string,
): Promise<StripeEventJson> {
	const found = (await eventsOf(objectId)).filter((e) => e.type === type);
	expect(found, `${type} events of ${objectId}`).toHaveLength(1);
	return found[0] as StripeEventJson;
}

/** Pays a PaymentIntent at the stand-in, as Stripe.js would (status of the answer). */
export async function pay(
	paymentIntentId: string,
	paymentMethod = "pm_card_visa",
): Promise<number> {
	const res = await stripeApi(
		`/v1/payment_intents/${paymentIntentId}/confirm`,
		{
			payment_method: paymentMethod,
		},
	);
	await res.arrayBuffer();
	return res.status;
}

/**
 * Captures what the Worker puts on its queues instead of delivering it, so a test decides when
 * (and how often, and how concurrently) the consumers run. `emails` leaves out the welcome
 * emails of the customers the order helpers register.
 */
export function captureQueues() {
	const stripe: StripeEventMessage[] = [];
	const emails: EmailMessage[] = [];
	const sent = { metadata: {} } as QueueSendResponse;
	vi.spyOn(env.STRIPE_EVENTS_QUEUE, "send").mockImplementation(async (body) => {
		stripe.push(body as StripeEventMessage);
		return sent;
	});
	vi.spyOn(env.EMAIL_QUEUE, "send").mockImplementation(async (body) => {
		const email = body as EmailMessage;
		if (email.template !== "welcome") emails.push(email);
		return sent;
	});
	/** The captured emails about one order. */
	const about = (orderId: string) =>
		emails.filter((e) => "orderId" in e.data && e.data.orderId === orderId);
	return { stripe, emails, about };
}

/**
 * Runs one queue batch through the Worker's dispatch, with services of its own so the batch's
 * database round trips can be read. Console output of the consumers is silenced.
 */
export async function consume(queue: string, bodies: unknown[], attempts = 1) {
	const { batch, delays } = messageBatch(queue, bodies, attempts);
	const ctx = createExecutionContext();
	const services = testServices();
	await handleQueue(batch, services);
	const result = await getQueueResult(batch, ctx);
	return { ...result, delays, roundTrips: services.meter.roundTrips };
}

export const consumeStripe = (bodies: unknown[], attempts = 1) =>
	consume("voidshop-stripe-events", bodies, attempts);

/** Makes every request to the Stripe stand-in fail (`status`) or hang, until `restore()`. */
export function stripeDown(mode: number | "hang" = 503) {
	return interceptOrigin(STRIPE_ORIGIN, () =>
		mode === "hang"
			? new Promise<Response>(() => {})
			: Response.json(
					{ error: { type: "api_error", message: "Stripe is down (test)" } },
					{ status: mode },
				),
	);
}

export async function orderRow(id: string) {
	const [row] = await testDb().select().from(orders).where(eq(orders.id, id));
	if (!row) throw new Error(`no order ${id}`);
	return row;
}

export async function stockOf(variantId: string) {
	const [row] = await testDb()
		.select({ onHand: variants.onHand, reserved: variants.reserved })
		.from(variants)
		.where(eq(variants.id, variantId));
	return row;
}

/** The order's ledger rows as `reason delta/reserved_delta`, oldest first. */
export async function ledgerOf(orderId: string): Promise<string[]> {
	const rows = await testDb()
		.select()
		.from(inventoryLedger)
		.where(eq(inventoryLedger.orderId, orderId))
		.orderBy(asc(inventoryLedger.seq));
	return rows.map((r) => `${r.reason} ${r.delta}/${r.reservedDelta}`);
}

/** The order's timeline as `type from→to actor` (`·` for none), oldest first. */
export async function timelineOf(orderId: string): Promise<string[]> {
	const rows = await testDb()
		.select()
		.from(orderEvents)
		.where(eq(orderEvents.orderId, orderId))
		.orderBy(asc(orderEvents.createdAt), asc(orderEvents.id));
	return rows.map((e) =>
		[e.type, e.toStatus && `${e.fromStatus ?? "·"}→${e.toStatus}`, e.actor]
			.filter(Boolean)
			.join(" "),
	);
}

export async function refundsOf(orderId: string) {
	return testDb()
		.select()
		.from(refunds)
		.where(eq(refunds.orderId, orderId))
		.orderBy(asc(refunds.createdAt));
}

export async function itemsOf(orderId: string) {
	return testDb()
		.select()
		.from(orderItems)
		.where(eq(orderItems.orderId, orderId))
		.orderBy(asc(orderItems.position));
}

export async function stripeEventRow(id: string) {
	const [row] = await testDb()
		.select()
		.from(stripeEvents)
		.where(eq(stripeEvents.id, id));
	return row;
}

/** The queue message the webhook puts on `stripe-events` for an event. */
export function messageOf(event: StripeEventJson): StripeEventMessage {
	return {
		eventId: event.id,
		type: event.type as StripeEventMessage["type"],
		objectId: event.data.object.id,
	};
}

/**
 * A placed (pending_payment) order of `quantity` units (default 2) of a fresh variant priced
 * 15.00 with `onHand` (default 5): what checkout answered and the ids tests look at.
 */
export async function pendingOrder(
	opts: { guest?: boolean; onHand?: number; quantity?: number } = {},
) {
	const placed = await placeOrder({
		variants: [{ price: 1500, onHand: opts.onHand ?? 5 }],
		quantities: [opts.quantity ?? 2],
		guest: opts.guest,
	});
	return {
		placed,
		orderId: placed.order.id,
		total: placed.order.total,
		pi: placed.payment.paymentIntentId,
		variantId: placed.product.variants[0]?.id ?? "",
	};
}

/** A paid order: placed, paid at the stand-in, its succeeded event consumed. */
export async function paidOrder() {
	const order = await pendingOrder();
	expect(await pay(order.pi)).toBe(200);
	const succeeded = await eventOf(order.pi, "payment_intent.succeeded");
	expect(
		(await consumeStripe([messageOf(succeeded)])).explicitAcks,
	).toHaveLength(1);
	expect((await orderRow(order.orderId)).status).toBe("paid");
	return order;
}
