import { afterEach, describe, expect, it, vi } from "vitest";
import { stripeApi } from "./helpers/orders";
import {
	captureQueues,
	consume,
	consumeStripe,
	deliver,
	eventOf,
	eventsOf,
	messageOf,
	orderRow,
	paidOrder,
	pay,
	pendingOrder,
	refundsOf,
	stockOf,
	stripeDown,
	stripeEventRow,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

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
			refundedTotal: o.placed.order.total,
		});
		expect(
			(await refundsOf(o.orderId)).map((r) => [
				r.stripeRefundId,
				r.amount,
				r.status,
			]),
		).toEqual([
			[part.id, 500, "succeeded"],
			[rest.id, o.placed.order.total - 500, "succeeded"],
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
