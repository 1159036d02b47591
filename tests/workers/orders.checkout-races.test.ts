import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inventoryLedger, orders, variants } from "../../src/db/schema";
import { register } from "./helpers/auth";
import { addItem, cartOf, freshProduct, newGuestCart } from "./helpers/cart";
import { testDb } from "./helpers/db";
import { dbRoundTrips, expectError } from "./helpers/http";
import { interceptOrigin } from "./helpers/network";
import { checkout, STRIPE_URL } from "./helpers/orders";
import { stockOf } from "./helpers/payments";

async function ordersFor(variantId: string): Promise<number> {
	const [row] = await testDb()
		.execute<{ n: number }>(
			sql`select count(distinct order_id)::int as n from order_items where variant_id = ${variantId}::uuid`,
		)
		.then((r) => r.rows);
	return row?.n ?? -1;
}

async function customerCart(variantId: string, quantity = 1) {
	const session = await register();
	const who = { accessToken: session.accessToken };
	expect((await addItem(variantId, quantity, who)).status).toBe(201);
	return who;
}

describe("concurrent checkouts", () => {
	it("200 checkouts of one unit against 10 on hand: exactly 10 orders, 190 × 409, nothing negative", {
		timeout: 120_000,
	}, async () => {
		const product = await freshProduct([{ price: 500, onHand: 10 }]);
		const variantId = product.variants[0]?.id ?? "";
		// 200 guest carts holding one unit each (adds only check stock; nothing is reserved yet).
		const carts: string[] = [];
		for (let i = 0; i < 200; i += 20) {
			const batch = await Promise.all(
				Array.from({ length: 20 }, () => newGuestCart(variantId, 1)),
			);
			carts.push(...batch.map((c) => c.cartToken));
		}
		const responses = await Promise.all(
			carts.map((cartToken, i) =>
				checkout({ cartToken }, { email: `race-${i}@example.com` }),
			),
		);
		const statuses = responses.map((r) => r.status);
		expect(statuses.filter((s) => s === 201)).toHaveLength(10);
		expect(statuses.filter((s) => s === 409)).toHaveLength(190);
		for (const res of responses.filter((r) => r.status === 409).slice(0, 5))
			await expectError(res, 409, "OUT_OF_STOCK");
		expect(await stockOf(variantId)).toEqual({ onHand: 10, reserved: 10 });
		expect(await ordersFor(variantId)).toBe(10);
		const [ledger] = await testDb()
			.select({
				reserved: sql<number>`sum(${inventoryLedger.reservedDelta})::int`,
			})
			.from(inventoryLedger)
			.where(eq(inventoryLedger.variantId, variantId));
		expect(ledger?.reserved).toBe(10);
	});

	it("a double-submitted checkout of one cart places one order", async () => {
		const product = await freshProduct([{ price: 500, onHand: 10 }]);
		const variantId = product.variants[0]?.id ?? "";
		const who = await customerCart(variantId, 2);
		const responses = await Promise.all([
			checkout(who),
			checkout(who),
			checkout(who),
		]);
		expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409]);
		for (const res of responses.filter((r) => r.status === 409))
			await expectError(res, 409, "CART_EMPTY");
		expect(await stockOf(variantId)).toEqual({ onHand: 10, reserved: 2 });
	});
});

describe("Idempotency-Key on POST /v1/orders", () => {
	it("replays the first response for the same key and body, with one order", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const who = await customerCart(variantId);
		const key = { "Idempotency-Key": crypto.randomUUID() };
		const first = await checkout(who, {}, key);
		expect(first.status).toBe(201);
		expect(dbRoundTrips(first)).toBe(2);
		const firstBody = await first.json();
		const again = await checkout(who, {}, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect(dbRoundTrips(again)).toBe(1);
		expect(await again.json()).toEqual(firstBody);
		expect(await ordersFor(variantId)).toBe(1);
		expect(await stockOf(variantId)).toEqual({ onHand: 10, reserved: 1 });
	});

	it("answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body", async () => {
		const product = await freshProduct();
		const who = await customerCart(product.variants[0]?.id ?? "");
		const key = { "Idempotency-Key": crypto.randomUUID() };
		expect((await checkout(who, {}, key)).status).toBe(201);
		await expectError(
			await checkout(who, { shippingMethod: "express" }, key),
			422,
			"IDEMPOTENCY_KEY_REUSED",
		);
	});

	it("keeps keys per caller: another customer's same key is a new request", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const key = { "Idempotency-Key": "shared-key-1" };
		const a = await checkout(await customerCart(variantId), {}, key);
		const b = await checkout(await customerCart(variantId), {}, key);
		expect([a.status, b.status]).toEqual([201, 201]);
		expect(b.headers.get("Idempotent-Replayed")).toBeNull();
		expect(await ordersFor(variantId)).toBe(2);
	});

	it("10 concurrent requests with one key: one order; the others replay it or are told it is in progress", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const who = await customerCart(variantId);
		const key = { "Idempotency-Key": crypto.randomUUID() };
		const responses = await Promise.all(
			Array.from({ length: 10 }, () => checkout(who, {}, key)),
		);
		const created = responses.filter((r) => r.status === 201);
		expect(created.length).toBeGreaterThanOrEqual(1);
		for (const res of responses.filter((r) => r.status !== 201)) {
			await expectError(res, 409, "IDEMPOTENCY_IN_PROGRESS");
			expect(res.headers.get("Retry-After")).toBe("1");
		}
		const bodies = await Promise.all(created.map((r) => r.json()));
		for (const body of bodies) expect(body).toEqual(bodies[0]);
		expect(
			created.filter((r) => r.headers.get("Idempotent-Replayed") !== "true"),
		).toHaveLength(1);
		expect(await ordersFor(variantId)).toBe(1);
		expect(await stockOf(variantId)).toEqual({ onHand: 10, reserved: 1 });
	});

	it("gives the key back when the checkout was refused, so a fixed cart can use it", async () => {
		const product = await freshProduct([{ price: 100, onHand: 1 }]);
		const variantId = product.variants[0]?.id ?? "";
		const who = await customerCart(variantId);
		await testDb()
			.update(variants)
			.set({ reserved: 1 })
			.where(eq(variants.id, variantId));
		const key = { "Idempotency-Key": crypto.randomUUID() };
		await expectError(await checkout(who, {}, key), 409, "OUT_OF_STOCK");
		await testDb()
			.update(variants)
			.set({ reserved: 0 })
			.where(eq(variants.id, variantId));
		const retry = await checkout(who, {}, key);
		expect(retry.status).toBe(201);
		expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
	});

	it("rejects a malformed key with 400", async () => {
		const product = await freshProduct();
		const who = await customerCart(product.variants[0]?.id ?? "");
		for (const bad of ["", "x".repeat(256), "tab\there", "ünïcode"])
			await expectError(
				await checkout(who, {}, { "Idempotency-Key": bad }),
				400,
				"VALIDATION_FAILED",
			);
		expect((await cartOf(who)).items).toHaveLength(1);
	});
});

describe("when Stripe fails", () => {
	const stripeOrigin = new URL(STRIPE_URL).origin;

	for (const [what, answer] of [
		[
			"answers 500",
			() =>
				new Response('{"error":{"type":"api_error","message":"down"}}', {
					status: 500,
				}),
		],
		["hangs past the timeout", () => new Promise<Response>(() => {})],
	] as const) {
		it(`${what}: 503 PAYMENT_PROVIDER_UNAVAILABLE, order cancelled, stock released, cart reopened`, {
			timeout: 30_000,
		}, async () => {
			const product = await freshProduct([{ price: 700, onHand: 4 }]);
			const variantId = product.variants[0]?.id ?? "";
			const who = await customerCart(variantId, 3);
			const key = { "Idempotency-Key": crypto.randomUUID() };
			const stripe = interceptOrigin(stripeOrigin, answer);
			let res: Response;
			try {
				res = await checkout(who, {}, key);
			} finally {
				stripe.restore();
			}
			await expectError(res, 503, "PAYMENT_PROVIDER_UNAVAILABLE");
			expect(res.headers.get("Retry-After")).toBe("10");
			expect(stripe.calls.length).toBeGreaterThanOrEqual(1);
			expect(await stockOf(variantId)).toEqual({ onHand: 4, reserved: 0 });
			const [order] = await testDb()
				.select({
					id: orders.id,
					status: orders.status,
					reason: orders.cancelReason,
				})
				.from(orders)
				.innerJoin(sql`order_items i`, sql`i.order_id = ${orders.id}`)
				.where(sql`i.variant_id = ${variantId}::uuid`);
			expect(order).toMatchObject({
				status: "cancelled",
				reason: "payment_provider_unavailable",
			});
			const ledger = await testDb()
				.select({
					reason: inventoryLedger.reason,
					reserved: inventoryLedger.reservedDelta,
				})
				.from(inventoryLedger)
				.where(eq(inventoryLedger.orderId, order?.id ?? ""));
			expect(ledger.map((l) => [l.reason, l.reserved]).sort()).toEqual([
				["release", -3],
				["reserve", 3],
			]);
			expect((await cartOf(who)).items.map((i) => i.quantity)).toEqual([3]);
			// The key was given back: the same request succeeds once Stripe is back.
			const retry = await checkout(who, {}, key);
			expect(retry.status).toBe(201);
			expect(await stockOf(variantId)).toEqual({ onHand: 4, reserved: 3 });
		});
	}
});
