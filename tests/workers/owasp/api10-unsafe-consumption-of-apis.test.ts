import { describe, expect, it } from "vitest";
import { expectError } from "../helpers/http";
import {
	captureQueues,
	consumeStripe,
	deliver,
	orderRow,
	pendingOrder,
	postWebhook,
	sign,
	stockOf,
	stripeEventRow,
} from "../helpers/payments";

/**
 * OWASP API10:2023 Unsafe Consumption of APIs: what Stripe (the one API whose data we act on)
 * sends is verified and re-read, never trusted as it arrives. Signature edge cases and duplicate
 * delivery are also in payments.webhook.test.ts, re-reading in payments.consumer.test.ts.
 */
const stripeId = (prefix: string) =>
	`${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

function piEvent(pi: string, overrides: Record<string, unknown> = {}) {
	return {
		id: stripeId("evt"),
		object: "event",
		type: "payment_intent.succeeded",
		created: Math.floor(Date.now() / 1000),
		data: {
			object: {
				id: pi,
				object: "payment_intent",
				status: "succeeded",
				amount: 1,
			},
		},
		...overrides,
	};
}

describe("API10 unsafe consumption of APIs", () => {
	it("refuses an unsigned, wrongly signed, stale (replayed) or tampered delivery, recording nothing", async () => {
		const { pi } = await pendingOrder();
		const event = piEvent(pi);
		const body = JSON.stringify(event);
		const now = Math.floor(Date.now() / 1000);
		for (const signature of [
			undefined,
			"",
			"t=1,v1=00",
			await sign(body, { secret: "whsec_someone_else" }),
			await sign(body, { timestamp: now - 301 }),
		])
			await expectError(
				await postWebhook(body, signature),
				400,
				"INVALID_SIGNATURE",
			);
		// Signed, then one byte changed.
		const signature = await sign(body);
		await expectError(
			await postWebhook(body.replace('"amount":1', '"amount":2'), signature),
			400,
			"INVALID_SIGNATURE",
		);
		expect(await stripeEventRow(event.id)).toBeUndefined();
	});

	// Found here: a validly signed body that is not a Stripe event (no data, an id with other
	// characters) answered 500 after recording the event, so it would be redelivered forever.
	it("answers 400, recording nothing, for a signed body that is not a Stripe event", async () => {
		const { pi } = await pendingOrder();
		for (const event of [
			{},
			{ id: stripeId("evt"), type: "payment_intent.succeeded" },
			piEvent(pi, { id: `evt_${crypto.randomUUID()}` }),
			piEvent(pi, { data: { object: { id: "cus_not_a_payment" } } }),
			piEvent(pi, { type: 42 }),
		]) {
			const body = JSON.stringify(event);
			await expectError(
				await postWebhook(body, await sign(body)),
				400,
				"VALIDATION_FAILED",
			);
			if ("id" in event && typeof event.id === "string")
				expect(await stripeEventRow(event.id)).toBeUndefined();
		}
	});

	it("acts on what Stripe's API says, not on the event: a forged 'succeeded' for an unpaid PaymentIntent changes nothing", async () => {
		const queues = captureQueues();
		const order = await pendingOrder();
		const forged = piEvent(order.pi);
		const res = await deliver(forged as Parameters<typeof deliver>[0]);
		expect(res.status).toBe(200);
		expect(queues.stripe).toHaveLength(1);
		await consumeStripe(queues.stripe);
		expect((await orderRow(order.orderId)).status).toBe("pending_payment");
		expect(await stockOf(order.variantId)).toEqual({ onHand: 5, reserved: 2 });
	});
});
