import { describe, expect, it } from "vitest";
import { adminPost, newAdmin } from "../helpers/admin";
import { register } from "../helpers/auth";
import { addItem, freshProduct } from "../helpers/cart";
import { expectError } from "../helpers/http";
import { checkout } from "../helpers/orders";
import {
	captureQueues,
	paidOrder,
	pendingOrder,
	refundsOf,
	stockOf,
} from "../helpers/payments";

/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: buying (checkout) and giving
 * money back (refunds) cannot be abused by repeating, racing or overstating them. Concurrent
 * checkouts of the last units are in orders.checkout-races.test.ts, concurrent refunds in
 * admin.refunds.test.ts, cart line and quantity caps in cart.add.test.ts.
 */
describe("API6 sensitive business flows", () => {
	it("checkout cannot hold more stock than exists, and a refused checkout holds nothing", async () => {
		const product = await freshProduct([{ price: 900, onHand: 3 }]);
		const variantId = product.variants[0]?.id ?? "";
		const session = await register();
		const who = { accessToken: session.accessToken };
		// The cart takes what is available; the shop then sells two of the three.
		expect((await addItem(variantId, 3, who)).status).toBe(201);
		const other = await register();
		expect(
			(await addItem(variantId, 2, { accessToken: other.accessToken })).status,
		).toBe(201);
		expect(
			(
				await checkout(
					{ accessToken: other.accessToken },
					{},
					{ "Idempotency-Key": crypto.randomUUID() },
				)
			).status,
		).toBe(201);
		const res = await checkout(
			who,
			{},
			{ "Idempotency-Key": crypto.randomUUID() },
		);
		expect(res.status).toBe(409);
		expect(await stockOf(variantId)).toEqual({ onHand: 3, reserved: 2 });
	});

	it("a repeated checkout is one order: the same key replays it, a new key finds the cart closed", async () => {
		const product = await freshProduct([{ price: 900, onHand: 10 }]);
		const variantId = product.variants[0]?.id ?? "";
		const session = await register();
		const who = { accessToken: session.accessToken };
		expect((await addItem(variantId, 2, who)).status).toBe(201);
		const key = { "Idempotency-Key": crypto.randomUUID() };
		const first = await checkout(who, {}, key);
		expect(first.status).toBe(201);
		const again = await checkout(who, {}, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		const [a, b] = (await Promise.all([first.json(), again.json()])) as {
			order: { id: string };
		}[];
		expect(b?.order.id).toBe(a?.order.id);
		await expectError(
			await checkout(who, {}, { "Idempotency-Key": crypto.randomUUID() }),
			409,
			"CART_EMPTY",
		);
		expect(await stockOf(variantId)).toEqual({ onHand: 10, reserved: 2 });
	});

	it("refunds never exceed what was paid, and an unpaid order cannot be refunded", async () => {
		captureQueues();
		const admin = await newAdmin();
		const paid = await paidOrder();
		const refund = (orderId: string, body: unknown) =>
			adminPost(admin, `/v1/admin/orders/${orderId}/refunds`, body, {
				"Idempotency-Key": crypto.randomUUID(),
			});
		const over = await expectError(
			await refund(paid.orderId, {
				amount: paid.total + 1,
				reason: "too much",
			}),
			409,
			"REFUND_TOO_LARGE",
		);
		expect(over.details).toMatchObject({ remaining: paid.total });
		expect(
			(await refund(paid.orderId, { amount: paid.total - 100, reason: "most" }))
				.status,
		).toBe(201);
		await expectError(
			await refund(paid.orderId, { amount: 101, reason: "a cent too many" }),
			409,
			"REFUND_TOO_LARGE",
		);
		expect((await refundsOf(paid.orderId)).map((r) => r.amount)).toEqual([
			paid.total - 100,
		]);
		for (const amount of [0, -1, 1.5])
			await expectError(
				await refund(paid.orderId, { amount, reason: "odd" }),
				400,
				"VALIDATION_FAILED",
			);
		const pending = await pendingOrder();
		await expectError(
			await refund(pending.orderId, { amount: 100, reason: "never paid" }),
			409,
			"INVALID_ORDER_STATE",
		);
		expect(await refundsOf(pending.orderId)).toEqual([]);
	});
});
