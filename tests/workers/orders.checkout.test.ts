import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
	addresses,
	inventoryLedger,
	orders,
	variants,
} from "../../src/db/schema";
import { register } from "./helpers/auth";
import {
	addItem,
	archiveVariant,
	cartOf,
	freshProduct,
	newGuestCart,
	setPrice,
} from "./helpers/cart";
import { testDb } from "./helpers/db";
import { dbRoundTrips, expectError } from "./helpers/http";
import { ADDRESS, checkout, paymentIntent, placeOrder } from "./helpers/orders";
import { stockOf } from "./helpers/payments";

async function customerWith(lines: { variantId: string; quantity: number }[]) {
	const session = await register();
	const who = { accessToken: session.accessToken };
	for (const l of lines)
		expect((await addItem(l.variantId, l.quantity, who)).status).toBe(201);
	return { session, who };
}

describe("POST /v1/orders", () => {
	it("places a customer's order from the cart in two round trips and one PaymentIntent", async () => {
		const product = await freshProduct([
			{ price: 1250, onHand: 10 },
			{ price: 990, onHand: 3 },
		]);
		const [a, b] = product.variants;
		const { session, who } = await customerWith([
			{ variantId: a?.id ?? "", quantity: 2 },
			{ variantId: b?.id ?? "", quantity: 1 },
		]);
		const res = await checkout(who);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(2);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		const body = (await res.json()) as Awaited<ReturnType<typeof placeOrder>>;
		expect(body.order).toMatchObject({
			number: expect.stringMatching(/^VS-\d{5,}$/),
			status: "pending_payment",
			email: session.email,
			currency: "EUR",
			subtotal: 3490,
			shippingTotal: 495,
			taxTotal: 0,
			total: 3985,
			shippingAddress: { ...ADDRESS, line2: null, region: null, phone: null },
			shippingMethod: { code: "standard", price: 495 },
			payment: { provider: "stripe", status: "requires_payment_method" },
			timeline: [
				{
					type: "status_changed",
					fromStatus: null,
					toStatus: "pending_payment",
					actor: "customer",
				},
			],
		});
		expect(
			body.order.items.map((i) => [
				i.sku,
				i.unitPrice,
				i.quantity,
				i.lineTotal,
			]),
		).toEqual([
			[a?.sku, 1250, 2, 2500],
			[b?.sku, 990, 1, 990],
		]);
		expect(body.priceChanges).toEqual([]);
		expect(body.orderToken).toBeUndefined();
		expect(body.payment).toEqual({
			provider: "stripe",
			paymentIntentId: expect.stringMatching(/^pi_/),
			clientSecret: expect.stringMatching(/^pi_.+_secret_/),
			publishableKey: "pk_test_voidshop_tests",
		});
		const pi = await paymentIntent(body.payment.paymentIntentId);
		expect(pi).toMatchObject({
			amount: 3985,
			currency: "eur",
			status: "requires_payment_method",
			metadata: { orderId: body.order.id, orderNumber: body.order.number },
		});
		// Reserved, with ledger rows naming the order; the cart is closed.
		expect(await stockOf(a?.id ?? "")).toEqual({ onHand: 10, reserved: 2 });
		expect(await stockOf(b?.id ?? "")).toEqual({ onHand: 3, reserved: 1 });
		const ledger = await testDb()
			.select({
				reason: inventoryLedger.reason,
				delta: inventoryLedger.delta,
				reserved: inventoryLedger.reservedDelta,
			})
			.from(inventoryLedger)
			.where(eq(inventoryLedger.orderId, body.order.id));
		expect(ledger.sort((x, y) => x.reserved - y.reserved)).toEqual([
			{ reason: "reserve", delta: 0, reserved: 1 },
			{ reason: "reserve", delta: 0, reserved: 2 },
		]);
		expect((await cartOf(who)).items).toEqual([]);
	});

	it("ships free over the method's threshold and charges express at its price", async () => {
		const standard = await placeOrder({
			variants: [{ price: 2500, onHand: 5 }],
			quantities: [2],
		});
		expect(standard.order).toMatchObject({
			subtotal: 5000,
			shippingTotal: 0,
			total: 5000,
		});
		const express = await placeOrder({
			variants: [{ price: 2500, onHand: 5 }],
			quantities: [2],
			shippingMethod: "express",
		});
		expect(express.order).toMatchObject({ shippingTotal: 1295, total: 6295 });
	});

	it("lets a guest check out with a cart token and email, and returns an order token", async () => {
		const placed = await placeOrder({ guest: true });
		expect(placed.orderToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(placed.order.email).toBe(placed.email);
		const [row] = await testDb()
			.select({ userId: orders.userId, tokenHash: orders.accessTokenHash })
			.from(orders)
			.where(eq(orders.id, placed.order.id));
		expect(row?.userId).toBeNull();
		expect(row?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
	});

	it("spends a guest's cart: the vs_cart cookie is cleared and the next add starts a new cart", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const cart = await newGuestCart(variantId);
		const res = await checkout(
			{ cookie: cart.cartToken },
			{ email: "cookie-guest@example.com" },
		);
		expect(res.status).toBe(201);
		expect(res.headers.get("Set-Cookie")).toMatch(/^vs_cart=;.*Max-Age=0/);
		expect((await cartOf({ cookie: cart.cartToken })).items).toEqual([]);
		const next = await addItem(variantId, 1);
		expect(next.status).toBe(201);
		expect(((await next.json()) as { cartToken?: string }).cartToken).not.toBe(
			cart.cartToken,
		);
	});

	it("requires a guest's email and refuses a guest's saved-address id", async () => {
		const product = await freshProduct();
		const cart = await newGuestCart(product.variants[0]?.id ?? "");
		const who = { cartToken: cart.cartToken };
		await expectError(await checkout(who), 400, "VALIDATION_FAILED");
		await expectError(
			await checkout(who, {
				email: "g@example.com",
				shippingAddress: undefined,
				shippingAddressId: crypto.randomUUID(),
			}),
			400,
			"VALIDATION_FAILED",
		);
		expect((await cartOf(who)).items).toHaveLength(1);
	});

	it("ships to a saved address (snapshotted), and never to someone else's", async () => {
		const product = await freshProduct();
		const { session, who } = await customerWith([
			{ variantId: product.variants[0]?.id ?? "", quantity: 1 },
		]);
		const other = await register();
		const [theirs] = await testDb()
			.insert(addresses)
			.values({
				id: crypto.randomUUID(),
				userId: other.userId,
				...ADDRESS,
				name: "Someone Else",
			})
			.returning();
		await expectError(
			await checkout(who, {
				shippingAddress: undefined,
				shippingAddressId: theirs?.id,
			}),
			404,
			"NOT_FOUND",
		);
		const [mine] = await testDb()
			.insert(addresses)
			.values({
				id: crypto.randomUUID(),
				userId: session.userId,
				...ADDRESS,
				line2: "Flat 2",
			})
			.returning();
		const res = await checkout(who, {
			shippingAddress: undefined,
			shippingAddressId: mine?.id,
		});
		expect(res.status).toBe(201);
		const body = (await res.json()) as {
			order: { shippingAddress: { line2: string } };
		};
		expect(body.order.shippingAddress.line2).toBe("Flat 2");
	});

	it("answers 409 CART_EMPTY for an empty cart or no cart at all", async () => {
		const session = await register();
		await expectError(
			await checkout({ accessToken: session.accessToken }),
			409,
			"CART_EMPTY",
		);
		await expectError(
			await checkout({}, { email: "x@example.com" }),
			409,
			"CART_EMPTY",
		);
	});

	it("refuses the whole order listing every short line, and reserves nothing", async () => {
		const product = await freshProduct([
			{ price: 100, onHand: 5 },
			{ price: 100, onHand: 5 },
			{ price: 100, onHand: 5 },
		]);
		const [a, b, c] = product.variants.map((v) => v.id);
		const { who } = await customerWith([
			{ variantId: a ?? "", quantity: 4 },
			{ variantId: b ?? "", quantity: 5 },
			{ variantId: c ?? "", quantity: 1 },
		]);
		// Another shopper's reservation and a stock count leave a and b short.
		await testDb()
			.update(variants)
			.set({ reserved: 3 })
			.where(eq(variants.id, a ?? ""));
		await testDb()
			.update(variants)
			.set({ onHand: 2 })
			.where(eq(variants.id, b ?? ""));
		const error = await expectError(await checkout(who), 409, "OUT_OF_STOCK");
		expect(error.details).toEqual({
			lines: [
				{
					variantId: a,
					sku: expect.any(String),
					requested: 4,
					available: 2,
					sellable: true,
				},
				{
					variantId: b,
					sku: expect.any(String),
					requested: 5,
					available: 2,
					sellable: true,
				},
			],
		});
		expect(await stockOf(c ?? "")).toEqual({ onHand: 5, reserved: 0 });
		expect((await cartOf(who)).items).toHaveLength(3);
		const [{ n } = { n: -1 }] = await testDb()
			.select({ n: sql<number>`count(*)::int` })
			.from(inventoryLedger)
			.where(
				and(
					eq(inventoryLedger.variantId, c ?? ""),
					eq(inventoryLedger.reason, "reserve"),
				),
			);
		expect(n).toBe(0);
	});

	it("reports an archived variant as a short, unsellable line", async () => {
		const product = await freshProduct([
			{ price: 100, onHand: 5 },
			{ price: 100, onHand: 5 },
		]);
		const [a, b] = product.variants.map((v) => v.id ?? "");
		const { who } = await customerWith([
			{ variantId: a ?? "", quantity: 1 },
			{ variantId: b ?? "", quantity: 1 },
		]);
		await archiveVariant(b ?? "");
		const error = await expectError(await checkout(who), 409, "OUT_OF_STOCK");
		expect(error.details).toEqual({
			lines: [
				{
					variantId: b,
					sku: expect.any(String),
					requested: 1,
					available: 0,
					sellable: false,
				},
			],
		});
	});

	it("charges today's price and lists the lines whose price changed", async () => {
		const product = await freshProduct([{ price: 1000, onHand: 5 }]);
		const id = product.variants[0]?.id ?? "";
		const { who } = await customerWith([{ variantId: id, quantity: 2 }]);
		await setPrice(id, 1200);
		const res = await checkout(who);
		expect(res.status).toBe(201);
		const body = (await res.json()) as {
			order: { subtotal: number };
			priceChanges: unknown[];
		};
		expect(body.order.subtotal).toBe(2400);
		expect(body.priceChanges).toEqual([
			{
				itemId: expect.any(String),
				variantId: id,
				sku: expect.any(String),
				previousPrice: 1000,
				price: 1200,
			},
		]);
	});

	it("rejects prices, totals and other unknown fields sent by the client", async () => {
		const product = await freshProduct();
		const { who } = await customerWith([
			{ variantId: product.variants[0]?.id ?? "", quantity: 1 },
		]);
		for (const extra of [
			{ total: 1 },
			{ subtotal: 0 },
			{ price: 1 },
			{ items: [] },
		]) {
			const error = await expectError(
				await checkout(who, extra),
				400,
				"VALIDATION_FAILED",
			);
			expect(JSON.stringify(error.details)).toContain("unrecognized");
		}
		expect((await cartOf(who)).items).toHaveLength(1);
	});

	it("answers 422 SHIPPING_METHOD_UNAVAILABLE for an unknown or other-currency method", async () => {
		const product = await freshProduct();
		const { who } = await customerWith([
			{ variantId: product.variants[0]?.id ?? "", quantity: 1 },
		]);
		const error = await expectError(
			await checkout(who, { shippingMethod: "teleport" }),
			422,
			"SHIPPING_METHOD_UNAVAILABLE",
		);
		expect(error.details).toMatchObject({
			shippingMethod: "teleport",
			cartCurrency: "EUR",
			methodCurrency: null,
		});
	});

	it("answers 409 CURRENCY_MISMATCH for a cart that holds two currencies", async () => {
		const eur = await freshProduct();
		const other = await freshProduct();
		const { who } = await customerWith([
			{ variantId: eur.variants[0]?.id ?? "", quantity: 1 },
			{ variantId: other.variants[0]?.id ?? "", quantity: 1 },
		]);
		await testDb().execute(
			sql`update products set currency = 'USD' where id = ${other.id}::uuid`,
		);
		await expectError(await checkout(who), 409, "CURRENCY_MISMATCH");
	});
});
