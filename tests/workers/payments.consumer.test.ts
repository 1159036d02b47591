import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { orders, sentEmails } from "../../src/db/schema";
import { devMailbox } from "../../src/modules/emails/providers";
import { cancelPendingOrderSql } from "../../src/modules/orders/transitions.sql";
import { testDb } from "./helpers/db";
import { placeOrder, stripeApi } from "./helpers/orders";
import {
	captureQueues,
	consume,
	consumeStripe,
	deliver,
	eventOf,
	eventsOf,
	ledgerOf,
	messageOf,
	orderRow,
	pay,
	refundsOf,
	stockOf,
	stripeDown,
	stripeEventRow,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

/** A placed order of 2 units of a fresh variant (5 on hand), its PaymentIntent and variant. */
async function pendingOrder() {
	const placed = await placeOrder({
		variants: [{ price: 1500, onHand: 5 }],
		quantities: [2],
	});
	return {
		...placed,
		orderId: placed.order.id,
		pi: placed.payment.paymentIntentId,
		variantId: placed.product.variants[0]?.id ?? "",
	};
}

/** A paid order: placed, paid at the stand-in, its succeeded event consumed. */
async function paidOrder() {
	const order = await pendingOrder();
	expect(await pay(order.pi)).toBe(200);
	const succeeded = await eventOf(order.pi, "payment_intent.succeeded");
	expect(
		(await consumeStripe([messageOf(succeeded)])).explicitAcks,
	).toHaveLength(1);
	expect((await orderRow(order.orderId)).status).toBe("paid");
	return order;
}

describe("stripe-events consumer: payment_intent.succeeded", () => {
	it("marks the order paid, sells the reserved stock and enqueues the confirmation, in one round trip", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 2 });
		expect(await pay(o.pi)).toBe(200);
		const event = await eventOf(o.pi, "payment_intent.succeeded");
		expect((await deliver(event)).status).toBe(200);

		const result = await consumeStripe(queues.stripe);
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toEqual([]);
		expect(result.roundTrips).toBe(1);

		const row = await orderRow(o.orderId);
		expect(row).toMatchObject({ status: "paid", paymentStatus: "succeeded" });
		expect(row.paidAt).toBeInstanceOf(Date);
		expect(await stockOf(o.variantId)).toEqual({ onHand: 3, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "sale -2/-2"]);
		expect(await timelineOf(o.orderId)).toEqual([
			"status_changed ·→pending_payment customer",
			"status_changed pending_payment→paid stripe",
		]);
		expect(queues.emails).toEqual([
			expect.objectContaining({
				template: "order_confirmation",
				idempotencyKey: `order_confirmation:${o.orderId}`,
				to: { email: o.email, name: "Ada Lovelace" },
				data: expect.objectContaining({
					orderNumber: o.order.number,
					lines: [
						{
							name: o.product.name,
							sku: o.product.variants[0]?.sku,
							quantity: 2,
							lineTotal: { amount: 3000, currency: "EUR" },
						},
					],
					total: { amount: o.order.total, currency: "EUR" },
				}),
			}),
		]);
		expect(await stripeEventRow(event.id)).toMatchObject({
			orderId: o.orderId,
			processedAt: expect.any(Date),
		});
	});

	it("one event delivered 5 times concurrently to the webhook and the consumer: one transition, stock sold once, one email sent", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		expect(await pay(o.pi)).toBe(200);
		const event = await eventOf(o.pi, "payment_intent.succeeded");

		const deliveries = await Promise.all(
			Array.from({ length: 5 }, () => deliver(event)),
		);
		expect(deliveries.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
		expect(queues.stripe.length).toBeGreaterThanOrEqual(1);
		const messages = Array.from({ length: 5 }, () => messageOf(event));
		const results = await Promise.all(messages.map((m) => consumeStripe([m])));
		for (const r of results) {
			expect(r.explicitAcks).toHaveLength(1);
			expect(r.roundTrips).toBe(1);
		}

		expect(await stockOf(o.variantId)).toEqual({ onHand: 3, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "sale -2/-2"]);
		expect(
			(await timelineOf(o.orderId)).filter((e) => e.includes("→paid")),
		).toHaveLength(1);

		// Every delivery may enqueue the confirmation; the emails consumer sends it once.
		const key = `order_confirmation:${o.orderId}`;
		expect(queues.emails.length).toBeGreaterThanOrEqual(1);
		expect(new Set(queues.emails.map((e) => e.idempotencyKey))).toEqual(
			new Set([key]),
		);
		await Promise.all(
			queues.emails.map((email) => consume("voidshop-emails", [email])),
		);
		expect(devMailbox().filter((m) => m.idempotencyKey === key)).toHaveLength(
			1,
		);
		const [sent] = await testDb()
			.select()
			.from(sentEmails)
			.where(eq(sentEmails.idempotencyKey, key));
		expect(sent?.status).toBe("sent");
	});

	it("never pays an order whose amount does not match: recorded once, logged at error", async () => {
		const queues = captureQueues();
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const o = await pendingOrder();
		// The order's total moves after its PaymentIntent was made (as a bug or tampering would).
		await testDb()
			.update(orders)
			.set({
				subtotal: sql`${orders.subtotal} + 100`,
				total: sql`${orders.total} + 100`,
			})
			.where(eq(orders.id, o.orderId));
		expect(await pay(o.pi)).toBe(200);
		const message = messageOf(await eventOf(o.pi, "payment_intent.succeeded"));
		await consumeStripe([message]);
		await consumeStripe([message]);

		expect((await orderRow(o.orderId)).status).toBe("pending_payment");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 2 });
		expect(
			(await timelineOf(o.orderId)).filter((e) =>
				e.startsWith("payment_amount_mismatch"),
			),
		).toHaveLength(1);
		expect(queues.emails).toEqual([]);
		expect(errors).toHaveBeenCalledWith(
			expect.stringContaining("payment amount does not match"),
		);
	});

	it("never pays an order that was cancelled: records it, logs at error and refunds at Stripe once", async () => {
		const queues = captureQueues();
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const o = await pendingOrder();
		// Cancelled here without Stripe knowing (as checkout's compensation does).
		await testDb().execute(
			cancelPendingOrderSql({
				orderId: o.orderId,
				reason: "payment_provider_unavailable",
				actor: "system",
			}),
		);
		expect(await pay(o.pi)).toBe(200);
		const message = messageOf(await eventOf(o.pi, "payment_intent.succeeded"));
		await Promise.all([consumeStripe([message]), consumeStripe([message])]);

		expect((await orderRow(o.orderId)).status).toBe("cancelled");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
		expect(await timelineOf(o.orderId)).toContain("payment_not_applied stripe");
		expect(errors).toHaveBeenCalledWith(expect.stringContaining("refunding"));
		const refundEvents = (await eventsOf(o.pi)).filter(
			(e) => e.type === "refund.created",
		);
		expect(refundEvents).toHaveLength(1);
		expect(refundEvents[0]?.data.object).toMatchObject({
			amount: o.order.total,
			metadata: { orderId: o.orderId, purpose: "unapplied_payment" },
		});

		// Its refund event: the customer is told; the order's own refunds are untouched.
		queues.emails.length = 0;
		await consumeStripe([messageOf(refundEvents[0] as never)]);
		expect(queues.emails.map((e) => e.template)).toEqual(["refund_issued"]);
		expect(await refundsOf(o.orderId)).toEqual([]);
		expect((await orderRow(o.orderId)).status).toBe("cancelled");
	});

	it("re-reads the PaymentIntent: a succeeded event for one Stripe cancelled changes nothing", async () => {
		captureQueues();
		const o = await pendingOrder();
		const cancel = await stripeApi(`/v1/payment_intents/${o.pi}/cancel`, {});
		expect(cancel.status).toBe(200);
		const canceled = await eventOf(o.pi, "payment_intent.canceled");
		await consumeStripe([messageOf(canceled)]);
		// A forged or misrouted "succeeded" about the same PaymentIntent, after the cancel.
		const forged = { ...messageOf(canceled), type: "payment_intent.succeeded" };
		await consumeStripe([{ ...forged, eventId: `${canceled.id}x` }]);
		expect((await orderRow(o.orderId)).status).toBe("cancelled");
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
	});
});

describe("stripe-events consumer: payment_failed and canceled", () => {
	it("records a failed payment once; the order stays pending and can still be paid", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		expect(await pay(o.pi, "pm_card_chargeDeclined")).toBe(402);
		const failed = messageOf(
			await eventOf(o.pi, "payment_intent.payment_failed"),
		);
		const first = await consumeStripe([failed]);
		expect(first.roundTrips).toBe(1);
		await consumeStripe([failed]);
		expect((await orderRow(o.orderId)).status).toBe("pending_payment");
		expect(
			(await timelineOf(o.orderId)).filter((e) =>
				e.startsWith("payment_failed"),
			),
		).toHaveLength(1);
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 2 });

		expect(await pay(o.pi)).toBe(200);
		await consumeStripe([
			messageOf(await eventOf(o.pi, "payment_intent.succeeded")),
		]);
		expect((await orderRow(o.orderId)).status).toBe("paid");
		expect(queues.emails.map((e) => e.template)).toEqual([
			"order_confirmation",
		]);
	});

	it("payment_intent.canceled cancels the pending order, releases its stock and enqueues order_cancelled", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		await stripeApi(`/v1/payment_intents/${o.pi}/cancel`, {
			cancellation_reason: "abandoned",
		});
		const result = await consumeStripe([
			messageOf(await eventOf(o.pi, "payment_intent.canceled")),
		]);
		expect(result.roundTrips).toBe(1);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "cancelled",
			cancelReason: "payment_timeout",
			paymentStatus: "canceled",
		});
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await timelineOf(o.orderId)).toContain(
			"status_changed pending_payment→cancelled stripe",
		);
		expect(queues.emails).toEqual([
			expect.objectContaining({
				template: "order_cancelled",
				idempotencyKey: `order_cancelled:${o.orderId}`,
			}),
		]);
	});
});

describe("stripe-events consumer: refunds", () => {
	async function refund(pi: string, amount?: number) {
		const res = await stripeApi("/v1/refunds", {
			payment_intent: pi,
			...(amount ? { amount: String(amount) } : {}),
		});
		expect(res.status).toBe(200);
		return (await res.json()) as { id: string };
	}
	const createdEvent = async (pi: string, refundId: string) =>
		(await eventsOf(pi)).find(
			(e) => e.type === "refund.created" && e.data.object.id === refundId,
		);

	it("reconciles the refund, refunded_total and status, and enqueues refund_issued, in one round trip each", async () => {
		const queues = captureQueues();
		const o = await paidOrder();
		queues.emails.length = 0;
		const part = await refund(o.pi, 500);
		const first = await consumeStripe([
			messageOf((await createdEvent(o.pi, part.id)) as never),
		]);
		expect(first.roundTrips).toBe(1);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "partially_refunded",
			refundedTotal: 500,
		});
		const rest = await refund(o.pi);
		const second = await consumeStripe([
			messageOf((await createdEvent(o.pi, rest.id)) as never),
		]);
		expect(second.roundTrips).toBe(1);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "refunded",
			refundedTotal: o.order.total,
		});
		expect(
			(await refundsOf(o.orderId)).map((r) => [
				r.stripeRefundId,
				r.amount,
				r.status,
			]),
		).toEqual([
			[part.id, 500, "succeeded"],
			[rest.id, o.order.total - 500, "succeeded"],
		]);
		expect(await timelineOf(o.orderId)).toEqual(
			expect.arrayContaining([
				"status_changed paid→partially_refunded stripe",
				"status_changed partially_refunded→refunded stripe",
			]),
		);
		expect(queues.emails.map((e) => e.idempotencyKey)).toEqual([
			`refund_issued:${part.id}`,
			`refund_issued:${rest.id}`,
		]);
		// The stock stays sold: a refund is money, not goods.
		expect(await stockOf(o.variantId)).toEqual({ onHand: 3, reserved: 0 });
	});

	it("reconciles refunds of one order concurrently without losing one", async () => {
		captureQueues();
		const o = await paidOrder();
		const refunds = [];
		for (const amount of [100, 200, 300, 400])
			refunds.push(await refund(o.pi, amount));
		const events = await Promise.all(
			refunds.map((r) => createdEvent(o.pi, r.id)),
		);
		await Promise.all(
			events.flatMap((e) => [
				consumeStripe([messageOf(e as never)]),
				consumeStripe([messageOf(e as never)]),
			]),
		);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "partially_refunded",
			refundedTotal: 1000,
		});
		expect(await refundsOf(o.orderId)).toHaveLength(4);
	});
});

describe("stripe-events consumer: failures", () => {
	it("retries with backoff when Stripe fails, keeping the error on the event", async () => {
		captureQueues();
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const o = await pendingOrder();
		expect(await pay(o.pi)).toBe(200);
		const event = await eventOf(o.pi, "payment_intent.succeeded");
		expect((await deliver(event)).status).toBe(200);
		const down = stripeDown(503);
		const failed = await consumeStripe([messageOf(event)], 3);
		down.restore();
		expect(failed.retryMessages).toHaveLength(1);
		expect(failed.delays).toEqual([120]);
		expect((await stripeEventRow(event.id))?.lastError).toMatch(/Stripe/);
		expect((await orderRow(o.orderId)).status).toBe("pending_payment");

		const retried = await consumeStripe([messageOf(event)], 4);
		expect(retried.explicitAcks).toHaveLength(1);
		expect(await stripeEventRow(event.id)).toMatchObject({
			processedAt: expect.any(Date),
			lastError: null,
		});
		expect((await orderRow(o.orderId)).status).toBe("paid");
	});

	it("acks and logs a message that is not a stripe-events message", async () => {
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const result = await consumeStripe([{ eventId: "nope" }]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(result.retryMessages).toEqual([]);
		expect(errors).toHaveBeenCalledWith(
			expect.stringContaining("invalid stripe-events message"),
		);
	});

	it("records an event about an object Stripe does not know as failed, without retrying", async () => {
		captureQueues();
		vi.spyOn(console, "error").mockImplementation(() => {});
		const event = {
			id: `evt_missing${crypto.randomUUID().replaceAll("-", "")}`,
			object: "event",
			type: "payment_intent.succeeded",
			data: { object: { id: "pi_doesnotexist", object: "payment_intent" } },
		};
		expect((await deliver(event)).status).toBe(200);
		const result = await consumeStripe([messageOf(event)]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await stripeEventRow(event.id)).toMatchObject({
			failedAt: expect.any(Date),
			lastError: expect.stringContaining("No such payment_intent"),
		});
	});

	it("the dead-letter consumer marks the event failed for the admin and logs at error", async () => {
		captureQueues();
		const errors = vi.spyOn(console, "error").mockImplementation(() => {});
		const event = {
			id: `evt_dead${crypto.randomUUID().replaceAll("-", "")}`,
			object: "event",
			type: "payment_intent.succeeded",
			data: { object: { id: "pi_deadletter", object: "payment_intent" } },
		};
		expect((await deliver(event)).status).toBe(200);
		const result = await consume("voidshop-stripe-events-dlq", [
			messageOf(event),
		]);
		expect(result.explicitAcks).toHaveLength(1);
		expect(await stripeEventRow(event.id)).toMatchObject({
			failedAt: expect.any(Date),
			lastError: "dead-lettered",
			processedAt: null,
		});
		expect(errors).toHaveBeenCalledWith(
			expect.stringContaining("stripe event dead-lettered"),
		);
	});
});
