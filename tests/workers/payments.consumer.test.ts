import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { orders, sentEmails } from "../../src/db/schema";
import { devMailbox } from "../../src/modules/emails/providers";
import { cancelPendingOrderSql } from "../../src/modules/orders/transitions.queries";
import { testDb } from "./helpers/db";
import { stripeApi } from "./helpers/orders";
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
	pendingOrder,
	refundsOf,
	stockOf,
	stripeEventRow,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

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
				to: { email: o.placed.email, name: "Ada Lovelace" },
				data: expect.objectContaining({
					orderNumber: o.placed.order.number,
					lines: [
						{
							name: o.placed.product.name,
							sku: o.placed.product.variants[0]?.sku,
							quantity: 2,
							lineTotal: { amount: 3000, currency: "EUR" },
						},
					],
					total: { amount: o.placed.order.total, currency: "EUR" },
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
			amount: o.placed.order.total,
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
