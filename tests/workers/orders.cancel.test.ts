import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { orders } from "../../src/db/schema";
import type { OrderView } from "../../src/modules/orders/orders.schemas";
import { bearer, register } from "./helpers/auth";
import { testDb } from "./helpers/db";
import { call, callWith, dbRoundTrips, expectError } from "./helpers/http";
import { paymentIntent, type placeOrder, stripeApi } from "./helpers/orders";
import {
	captureQueues,
	consumeStripe,
	eventOf,
	eventsOf,
	itemsOf,
	ledgerOf,
	messageOf,
	orderRow,
	paidOrder,
	pay,
	pendingOrder,
	refundsOf,
	stockOf,
	stripeDown,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

type Placed = Awaited<ReturnType<typeof placeOrder>>;

/** Credentials of whoever placed the order: their access token, or the guest's order token. */
function owner(placed: Placed): Record<string, string> {
	if (placed.who.accessToken) return bearer(placed.who.accessToken);
	return { "X-Order-Token": placed.orderToken ?? "" };
}

function cancel(orderId: string, headers: Record<string, string>) {
	return call(`/v1/orders/${orderId}/cancel`, { method: "POST", headers });
}

describe("POST /v1/orders/{id}/cancel: pending_payment", () => {
	it("cancels the PaymentIntent at Stripe first, releases the stock and answers the order, in two round trips", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		const res = await cancel(o.orderId, owner(o.placed));
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(2);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		const body = (await res.json()) as OrderView;
		expect(body).toMatchObject({
			id: o.orderId,
			number: o.placed.order.number,
			status: "cancelled",
			cancelReason: "customer_request",
			cancelledAt: expect.any(String),
			payment: { paymentIntentId: o.pi, status: "canceled" },
		});
		expect(body.timeline.at(-1)).toMatchObject({
			fromStatus: "pending_payment",
			toStatus: "cancelled",
			actor: "customer",
		});
		expect(await paymentIntent(o.pi)).toMatchObject({
			status: "canceled",
			cancellation_reason: "requested_by_customer",
		});
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
		expect(queues.emails).toEqual([
			expect.objectContaining({
				template: "order_cancelled",
				idempotencyKey: `order_cancelled:${o.orderId}`,
			}),
		]);
		// Stripe's own notice of the cancellation changes nothing more.
		await consumeStripe([
			messageOf(await eventOf(o.pi, "payment_intent.canceled")),
		]);
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
	});

	it("lets a guest cancel with the order token", async () => {
		captureQueues();
		const o = await pendingOrder({ guest: true });
		expect(o.placed.orderToken).toEqual(expect.any(String));
		await expectError(await cancel(o.orderId, {}), 404, "NOT_FOUND");
		const res = await cancel(o.orderId, owner(o.placed));
		expect(res.status).toBe(200);
		expect(((await res.json()) as OrderView).status).toBe("cancelled");
	});

	it("answers 404 for someone else's order or an unknown one, and changes nothing", async () => {
		captureQueues();
		const o = await pendingOrder();
		const stranger = await register();
		await expectError(
			await cancel(o.orderId, bearer(stranger.accessToken)),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await cancel(o.orderId, { "X-Order-Token": "x".repeat(43) }),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await cancel(crypto.randomUUID(), owner(o.placed)),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await cancel("not-a-uuid", owner(o.placed)),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await cancel(o.orderId, { Authorization: "Bearer a.b.c" }),
			401,
			"UNAUTHENTICATED",
		);
		expect((await orderRow(o.orderId)).status).toBe("pending_payment");
		expect((await paymentIntent(o.pi)).status).toBe("requires_payment_method");
	});

	it("processes a payment that already succeeded at Stripe as paid, then cancels it with a refund and restock", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		expect(await pay(o.pi)).toBe(200); // its webhook has not arrived yet
		const res = await cancel(o.orderId, owner(o.placed));
		expect(res.status).toBe(200);
		expect(((await res.json()) as OrderView).status).toBe("cancelled");
		expect(await ledgerOf(o.orderId)).toEqual([
			"reserve 0/2",
			"sale -2/-2",
			"restock 2/0",
		]);
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect((await refundsOf(o.orderId)).map((r) => r.amount)).toEqual([
			o.placed.order.total,
		]);
		expect(queues.emails.map((e) => e.template).sort()).toEqual([
			"order_cancelled",
			"refund_issued",
		]);
		// The late succeeded webhook finds the order paid before: nothing more happens.
		await consumeStripe([
			messageOf(await eventOf(o.pi, "payment_intent.succeeded")),
		]);
		expect((await orderRow(o.orderId)).status).toBe("cancelled");
		expect(
			(await eventsOf(o.pi)).filter((e) => e.type === "refund.created"),
		).toHaveLength(1);
	});

	it("5 cancels at once: one cancellation, stock released once, each answer 200 or 409 cancelled", async () => {
		captureQueues();
		const o = await pendingOrder();
		const answers = await Promise.all(
			Array.from({ length: 5 }, () => cancel(o.orderId, owner(o.placed))),
		);
		// 200 for those that found it pending; 409 naming `cancelled` for those that came after.
		const statuses = answers.map((r) => r.status);
		expect(statuses).toContain(200);
		expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
		expect(
			(await timelineOf(o.orderId)).filter((e) => e.includes("→cancelled")),
		).toHaveLength(1);
	});
});

describe("POST /v1/orders/{id}/cancel: paid", () => {
	it("refunds in full at Stripe, restocks, records the refund and answers the order, in two round trips", async () => {
		const queues = captureQueues();
		const o = await paidOrder();
		queues.emails.length = 0;
		const res = await cancel(o.orderId, owner(o.placed));
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(2);
		const body = (await res.json()) as OrderView;
		expect(body).toMatchObject({
			status: "cancelled",
			cancelReason: "customer_request",
			refundedTotal: o.placed.order.total,
			refunds: [
				{
					amount: o.placed.order.total,
					currency: "EUR",
					status: "succeeded",
					reason: "customer_request",
				},
			],
		});
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual([
			"reserve 0/2",
			"sale -2/-2",
			"restock 2/0",
		]);
		expect((await itemsOf(o.orderId)).map((i) => i.restockedQuantity)).toEqual([
			2,
		]);
		const refundEvent = await eventOf(o.pi, "refund.created");
		expect(refundEvent.data.object).toMatchObject({
			amount: o.placed.order.total,
			metadata: { orderId: o.orderId, purpose: "cancel" },
		});
		expect(queues.emails.map((e) => e.idempotencyKey).sort()).toEqual(
			[
				`order_cancelled:${o.orderId}`,
				`refund_issued:${refundEvent.data.object.id}`,
			].sort(),
		);

		// The refund's webhook reconciles what is already there.
		await consumeStripe([messageOf(refundEvent)]);
		expect(await refundsOf(o.orderId)).toHaveLength(1);
		expect(await ledgerOf(o.orderId)).toHaveLength(3);
		expect((await orderRow(o.orderId)).status).toBe("cancelled");
	});

	it("the refund's webhook completes a cancel whose request died after refunding", async () => {
		captureQueues();
		const o = await paidOrder();
		// What the cancel request did at Stripe before it died.
		const refund = await stripeApi("/v1/refunds", {
			payment_intent: o.pi,
			"metadata[orderId]": o.orderId,
			"metadata[purpose]": "cancel",
		});
		expect(refund.status).toBe(200);
		await consumeStripe([messageOf(await eventOf(o.pi, "refund.created"))]);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "cancelled",
			refundedTotal: o.placed.order.total,
		});
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		// The customer's retry of the cancel finds nothing left to do.
		await expectError(
			await cancel(o.orderId, owner(o.placed)),
			409,
			"INVALID_ORDER_STATE",
		);
	});

	it("answers 409 INVALID_ORDER_STATE naming the status of a fulfilled or cancelled order", async () => {
		captureQueues();
		const o = await paidOrder();
		await testDb()
			.update(orders)
			.set({ status: "fulfilled" })
			.where(eq(orders.id, o.orderId));
		const error = await expectError(
			await cancel(o.orderId, owner(o.placed)),
			409,
			"INVALID_ORDER_STATE",
		);
		expect(error.details).toEqual({ status: "fulfilled" });
		expect(error.message).toContain("fulfilled");
		expect(
			(await eventsOf(o.pi)).filter((e) => e.type === "refund.created"),
		).toEqual([]);

		const cancelled = await pendingOrder();
		expect(
			(await cancel(cancelled.orderId, owner(cancelled.placed))).status,
		).toBe(200);
		const again = await expectError(
			await cancel(cancelled.orderId, owner(cancelled.placed)),
			409,
			"INVALID_ORDER_STATE",
		);
		expect(again.details).toEqual({ status: "cancelled" });
	});
});

describe("POST /v1/orders/{id}/cancel: Stripe unavailable", () => {
	it("answers 503 PAYMENT_PROVIDER_UNAVAILABLE with Retry-After and changes nothing (pending)", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		const down = stripeDown(503);
		const res = await cancel(o.orderId, owner(o.placed));
		down.restore();
		const error = await expectError(res, 503, "PAYMENT_PROVIDER_UNAVAILABLE");
		expect(res.headers.get("Retry-After")).toBe("10");
		expect(error.details).toEqual({ retryAfterSeconds: 10 });
		expect(down.calls.length).toBeGreaterThanOrEqual(1);
		expect((await orderRow(o.orderId)).status).toBe("pending_payment");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 2 });
		expect((await paymentIntent(o.pi)).status).toBe("requires_payment_method");
		expect(queues.emails).toEqual([]);
	});

	it("answers 503 and changes nothing when Stripe times out (paid)", async () => {
		const queues = captureQueues();
		const o = await paidOrder();
		queues.emails.length = 0;
		const down = stripeDown("hang");
		// A short client timeout keeps the test quick; the SDK retries once.
		const res = await callWith(
			{ ...env, STRIPE_TIMEOUT_MS: "500" },
			`/v1/orders/${o.orderId}/cancel`,
			{ method: "POST", headers: owner(o.placed) },
			{ ctx: createExecutionContext() },
		);
		down.restore();
		await expectError(res, 503, "PAYMENT_PROVIDER_UNAVAILABLE");
		expect(down.calls).toHaveLength(2);
		expect((await orderRow(o.orderId)).status).toBe("paid");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 3, reserved: 0 });
		expect(await refundsOf(o.orderId)).toEqual([]);
		expect(
			(await eventsOf(o.pi)).filter((e) => e.type === "refund.created"),
		).toEqual([]);
		expect(queues.emails).toEqual([]);
	});
});
