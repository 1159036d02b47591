import { describe, expect, it } from "vitest";
import { randomToken } from "../../src/lib/tokens";
import { bearer, register } from "./helpers/auth";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import { interceptOrigin } from "./helpers/network";
import {
	insertOrder,
	STRIPE_ORIGIN,
	standinPaymentIntent,
} from "./helpers/order-rows";
import { placeOrder } from "./helpers/orders";

const asToken = (token: string) => ({ "X-Order-Token": token });

describe("GET /v1/orders/{id}/payment", () => {
	it("returns the PaymentIntent's client secret and live status for a pending order", async () => {
		const customer = await register();
		const intent = await standinPaymentIntent(1495);
		const order = await insertOrder({
			userId: customer.userId,
			paymentIntentId: intent.id,
		});
		const res = await call(`/v1/orders/${order.id}/payment`, {
			headers: bearer(customer.accessToken),
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		expect(await res.json()).toEqual({
			paymentIntentId: intent.id,
			clientSecret: intent.client_secret,
			status: "requires_payment_method",
		});
	});

	it("answers 409 INVALID_ORDER_STATE naming the status once the order is past payment", async () => {
		const customer = await register();
		for (const status of ["paid", "cancelled", "refunded"] as const) {
			const order = await insertOrder({ userId: customer.userId, status });
			const res = await call(`/v1/orders/${order.id}/payment`, {
				headers: bearer(customer.accessToken),
			});
			const error = await expectError(res, 409, "INVALID_ORDER_STATE");
			expect(error.details).toEqual({ status });
			expect(error.message).toContain(status);
		}
	});

	it("answers 409 while checkout has not stored the PaymentIntent yet", async () => {
		const customer = await register();
		const order = await insertOrder({
			userId: customer.userId,
			paymentIntentId: null,
			paymentStatus: null,
		});
		const res = await call(`/v1/orders/${order.id}/payment`, {
			headers: bearer(customer.accessToken),
		});
		await expectError(res, 409, "INVALID_ORDER_STATE");
	});

	it("answers 404 to strangers without asking Stripe", async () => {
		const owner = await register();
		const stranger = await register();
		const intent = await standinPaymentIntent(1495);
		const order = await insertOrder({
			userId: owner.userId,
			paymentIntentId: intent.id,
		});
		const stripe = interceptOrigin(
			STRIPE_ORIGIN,
			() => new Response("{}", { status: 500 }),
		);
		try {
			for (const headers of [
				bearer(stranger.accessToken),
				{},
				asToken(randomToken()),
			])
				await expectError(
					await call(`/v1/orders/${order.id}/payment`, { headers }),
					404,
					"NOT_FOUND",
				);
			expect(stripe.calls).toEqual([]);
		} finally {
			stripe.restore();
		}
	});

	it("answers 503 when Stripe is unavailable", async () => {
		const customer = await register();
		const intent = await standinPaymentIntent(1495);
		const order = await insertOrder({
			userId: customer.userId,
			paymentIntentId: intent.id,
		});
		const stripe = interceptOrigin(
			STRIPE_ORIGIN,
			() =>
				new Response(
					JSON.stringify({ error: { type: "api_error", message: "down" } }),
					{ status: 500, headers: { "Content-Type": "application/json" } },
				),
		);
		try {
			const res = await call(`/v1/orders/${order.id}/payment`, {
				headers: bearer(customer.accessToken),
			});
			expect(res.headers.get("Retry-After")).toBe("10");
			await expectError(res, 503, "PAYMENT_PROVIDER_UNAVAILABLE");
			expect(stripe.calls.length).toBeGreaterThan(0);
		} finally {
			stripe.restore();
		}
	});

	it("resumes the payment of an order placed through checkout (customer and guest)", async () => {
		for (const guest of [false, true]) {
			const placed = await placeOrder({ guest });
			const headers = guest
				? asToken(placed.orderToken ?? "")
				: bearer(placed.who.accessToken ?? "");
			const res = await call(`/v1/orders/${placed.order.id}/payment`, {
				headers,
			});
			expect(res.status).toBe(200);
			expect(await res.json()).toEqual({
				paymentIntentId: placed.payment.paymentIntentId,
				clientSecret: placed.payment.clientSecret,
				status: "requires_payment_method",
			});
		}
	});

	it("answers 500, not 503, when Stripe does not know the PaymentIntent", async () => {
		const customer = await register();
		const order = await insertOrder({
			userId: customer.userId,
			paymentIntentId: `pi_unknown_${randomToken().slice(0, 12)}`,
		});
		const res = await call(`/v1/orders/${order.id}/payment`, {
			headers: bearer(customer.accessToken),
		});
		await expectError(res, 500, "INTERNAL");
	});
});
