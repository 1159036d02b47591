import { createExecutionContext, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { handleQueue } from "../../src/queues";
import { createServices } from "../../src/services";
import { adminPost, newAdmin } from "./helpers/admin";
import {
	captureQueues,
	consumeStripe,
	eventOf,
	eventsOf,
	messageOf,
	orderRow,
	paidOrder,
	pay,
	pendingOrder,
} from "./helpers/payments";
import { messageBatch } from "./helpers/queues";

/*
 * The Worker writes to the real `ANALYTICS` binding (wrangler.toml, [[analytics_engine_datasets]]).
 * Miniflare binds it to its local simulator, whose writeDataPoint discards the point, so the
 * test observes the binding's method itself, as the queue tests observe `send`.
 */

afterEach(() => vi.restoreAllMocks());

function capturePoints() {
	const points: AnalyticsEngineDataPoint[] = [];
	vi.spyOn(env.ANALYTICS, "writeDataPoint").mockImplementation((p) => {
		if (p) points.push(p);
	});
	return points;
}

const ofOrder = (points: AnalyticsEngineDataPoint[], orderId: string) =>
	points.filter((p) => p.blobs?.[2] === orderId);

describe("Workers Analytics Engine business data points", () => {
	it("writes one order_paid point per order that becomes paid, none on a redelivery", async () => {
		captureQueues();
		const points = capturePoints();
		const o = await paidOrder();
		expect(ofOrder(points, o.orderId)).toEqual([
			{
				indexes: [o.orderId],
				blobs: ["order_paid", "EUR", o.orderId, "paid", o.placed.order.number],
				doubles: [o.total, 2, 1, o.total, 0],
			},
		]);
		const succeeded = await eventOf(o.pi, "payment_intent.succeeded");
		await consumeStripe([messageOf(succeeded)]);
		await consumeStripe([messageOf(succeeded)]);
		expect(ofOrder(points, o.orderId)).toHaveLength(1);
	});

	it("writes one refund point per succeeded refund, whoever reconciles it first", async () => {
		captureQueues();
		const points = capturePoints();
		const admin = await newAdmin();
		const o = await paidOrder();
		const res = await adminPost(
			admin,
			`/v1/admin/orders/${o.orderId}/refunds`,
			{ amount: 500, reason: "scratched" },
			{ "Idempotency-Key": crypto.randomUUID() },
		);
		expect(res.status).toBe(201);
		const { refund } = (await res.json()) as {
			refund: { stripeRefundId: string };
		};
		const refundPoints = () =>
			ofOrder(points, o.orderId).filter((p) => p.blobs?.[0] === "refund");
		expect(refundPoints()).toEqual([
			{
				indexes: [o.orderId],
				blobs: [
					"refund",
					"EUR",
					o.orderId,
					"partially_refunded",
					refund.stripeRefundId,
				],
				doubles: [500, 2, 1, o.total, 500],
			},
		]);
		// Stripe's own refund events arrive later: already reconciled, no second point.
		const refundEvents = (await eventsOf(o.pi)).filter((e) =>
			e.type.startsWith("refund."),
		);
		expect(refundEvents.length).toBeGreaterThan(0);
		await consumeStripe(refundEvents.map(messageOf));
		expect(refundPoints()).toHaveLength(1);
	});

	it("writes nothing (and fails nothing) where ANALYTICS is not bound", async () => {
		captureQueues();
		const points = capturePoints();
		const o = await pendingOrder();
		expect(await pay(o.pi)).toBe(200);
		const succeeded = await eventOf(o.pi, "payment_intent.succeeded");
		const unbound: Record<string, unknown> = { ANALYTICS: undefined };
		const services = createServices({ ...env, ...unbound } as Env);
		expect(services.analytics).toBeUndefined();
		const { batch } = messageBatch("voidshop-stripe-events", [
			messageOf(succeeded),
		]);
		const ctx = createExecutionContext();
		await handleQueue(batch, services);
		expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(1);
		expect((await orderRow(o.orderId)).status).toBe("paid");
		expect(ofOrder(points, o.orderId)).toEqual([]);
	});
});
