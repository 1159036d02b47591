import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { stripeEvents } from "../../src/db/schema";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import { placeOrder } from "./helpers/orders";
import {
	captureQueues,
	deliver,
	eventOf,
	pay,
	postWebhook,
	type StripeEventJson,
	sign,
	stripeEventRow,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

/** A made-up event (unique id) about a made-up PaymentIntent. */
function fakeEvent(
	type = "payment_intent.succeeded",
	object: Record<string, unknown> = {},
): StripeEventJson {
	return {
		id: `evt_test${crypto.randomUUID().replaceAll("-", "")}`,
		object: "event",
		type,
		api_version: "2026-10-28.endive",
		created: Math.floor(Date.now() / 1000),
		livemode: false,
		data: {
			object: {
				id: `pi_test${crypto.randomUUID().replaceAll("-", "")}`,
				object: "payment_intent",
				...object,
			},
		},
	};
}

describe("POST /v1/webhooks/stripe", () => {
	it("records a verified event, queues it and answers 200 in one round trip", async () => {
		const queues = captureQueues();
		const placed = await placeOrder();
		const pi = placed.payment.paymentIntentId;
		expect(await pay(pi)).toBe(200);
		const event = await eventOf(pi, "payment_intent.succeeded");

		const res = await deliver(event);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ received: true, queued: true });
		expect(dbRoundTrips(res)).toBe(1);
		expect(queues.stripe).toEqual([
			{ eventId: event.id, type: "payment_intent.succeeded", objectId: pi },
		]);
		expect(await stripeEventRow(event.id)).toMatchObject({
			type: "payment_intent.succeeded",
			objectId: pi,
			orderId: placed.order.id,
			processedAt: null,
		});
	});

	it("queues a recorded but unprocessed event again (a lost enqueue loses nothing)", async () => {
		const queues = captureQueues();
		const event = fakeEvent();
		expect((await deliver(event)).status).toBe(200);
		const again = await deliver(event);
		expect(again.status).toBe(200);
		expect(dbRoundTrips(again)).toBe(1);
		expect(queues.stripe.map((m) => m.eventId)).toEqual([event.id, event.id]);
	});

	it("acknowledges and drops a duplicate of a processed event", async () => {
		const queues = captureQueues();
		const event = fakeEvent();
		expect((await deliver(event)).status).toBe(200);
		await testDb()
			.update(stripeEvents)
			.set({ processedAt: new Date() })
			.where(eq(stripeEvents.id, event.id));
		const duplicate = await deliver(event);
		expect(duplicate.status).toBe(200);
		expect(await duplicate.json()).toEqual({ received: true, queued: false });
		expect(dbRoundTrips(duplicate)).toBe(1);
		expect(queues.stripe).toHaveLength(1);
	});

	it("acknowledges an unhandled event type and records it as processed, without queueing", async () => {
		const queues = captureQueues();
		const event = fakeEvent("customer.created", { object: "customer" });
		const res = await deliver(event);
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ received: true, queued: false });
		expect(queues.stripe).toEqual([]);
		expect((await stripeEventRow(event.id))?.processedAt).toBeInstanceOf(Date);
	});

	it("verifies the exact bytes, non-ASCII text included", async () => {
		captureQueues();
		const event = fakeEvent("payment_intent.succeeded", {
			description: "Crème brûlée — 寿司 🍣",
		});
		const body = JSON.stringify(event);
		const res = await postWebhook(body, await sign(body));
		expect(res.status).toBe(200);
	});

	describe("refuses with 400 INVALID_SIGNATURE", () => {
		const cases: [string, (body: string) => Promise<[string, string?]>][] = [
			["no Stripe-Signature header", async (body) => [body]],
			[
				"a tampered body",
				async (body) => [
					body.replace("succeeded", "canceled"),
					await sign(body),
				],
			],
			[
				"a stale timestamp (over 5 minutes)",
				async (body) => [
					body,
					await sign(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
				],
			],
			[
				"another endpoint's secret",
				async (body) => [
					body,
					await sign(body, { secret: "whsec_someone_else" }),
				],
			],
			["a malformed header", async (body) => [body, "v1=deadbeef"]],
		];
		it.each(cases)("%s", async (_, make) => {
			const queues = captureQueues();
			const event = fakeEvent();
			const [body, signature] = await make(JSON.stringify(event));
			const res = await postWebhook(body, signature);
			await expectError(res, 400, "INVALID_SIGNATURE");
			expect(dbRoundTrips(res)).toBe(0);
			expect(queues.stripe).toEqual([]);
			expect(await stripeEventRow(event.id)).toBeUndefined();
		});
	});

	it("is public and documented in the OpenAPI document", async () => {
		const res = await call("/v1/openapi.json");
		const doc = (await res.json()) as {
			paths: Record<string, Record<string, { security?: unknown[] }>>;
		};
		expect(doc.paths["/v1/webhooks/stripe"]?.post?.security).toEqual([]);
		expect(doc.paths["/v1/orders/{id}/cancel"]?.post).toBeDefined();
	});
});
