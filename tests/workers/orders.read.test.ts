import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomToken } from "../../src/lib/tokens";
import { bearer, register } from "./helpers/auth";
import { freshProduct } from "./helpers/cart";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import {
	insertImage,
	insertOrder,
	SNAPSHOT_ADDRESS,
	SNAPSHOT_SHIPPING,
} from "./helpers/order-rows";
import { placeOrder } from "./helpers/orders";

const IMAGE_BASE = (env as unknown as { IMAGE_BASE_URL: string })
	.IMAGE_BASE_URL;

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const asToken = (token: string) => ({ "X-Order-Token": token });

describe("GET /v1/orders/{id}", () => {
	it("returns the whole order to its customer in one round trip, never cached", async () => {
		const customer = await register();
		const product = await freshProduct();
		const variant = product.variants[0];
		const imageKey = await insertImage(product.id, "A red mug");
		const at = (s: number) => new Date(Date.UTC(2031, 0, 2, 3, 4, s, 567));
		const order = await insertOrder({
			userId: customer.userId,
			status: "partially_refunded",
			placedAt: at(0),
			paidAt: at(5),
			paymentStatus: "succeeded",
			refundedTotal: 500,
			lines: [
				{
					name: "Red mug",
					unitPrice: 1200,
					quantity: 2,
					imageKey,
					productId: product.id,
					variantId: variant?.id,
					options: { Colour: "Red" },
				},
				{ name: "Gone image", imageKey: `${"0".repeat(64)}.png` },
				{ name: "No image" },
			],
			events: [
				{
					type: "status_changed",
					fromStatus: "pending_payment",
					toStatus: "paid",
					actor: "stripe",
					data: { paymentIntent: "pi_x" },
					at: at(5),
				},
				{
					type: "note",
					actor: "admin",
					actorId: customer.userId,
					data: { note: "customer is difficult" },
					internal: true,
					at: at(6),
				},
				{
					type: "status_changed",
					fromStatus: "paid",
					toStatus: "partially_refunded",
					actor: "admin",
					actorId: customer.userId,
					at: at(7),
				},
			],
			refunds: [{ amount: 500, reason: "damaged", at: at(7) }],
		});

		const res = await call(`/v1/orders/${order.id}`, {
			headers: bearer(customer.accessToken),
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		const body = (await res.json()) as Record<string, unknown>;
		expect(body).toEqual({
			id: order.id,
			number: order.number,
			status: "partially_refunded",
			email: "reader@example.com",
			currency: "EUR",
			subtotal: 4400,
			shippingTotal: 495,
			taxTotal: 0,
			total: 4895,
			refundedTotal: 500,
			items: [
				{
					id: order.itemIds[0],
					productId: product.id,
					productSlug: "line-0",
					variantId: variant?.id,
					sku: expect.any(String),
					name: "Red mug",
					options: { Colour: "Red" },
					image: {
						url: `${IMAGE_BASE}/${imageKey}`,
						alt: "A red mug",
						width: null,
						height: null,
					},
					unitPrice: 1200,
					quantity: 2,
					lineTotal: 2400,
				},
				expect.objectContaining({
					name: "Gone image",
					productId: null,
					variantId: null,
					image: {
						url: `${IMAGE_BASE}/${"0".repeat(64)}.png`,
						width: null,
						height: null,
					},
				}),
				expect.objectContaining({ name: "No image", image: null }),
			],
			shippingAddress: SNAPSHOT_ADDRESS,
			shippingMethod: SNAPSHOT_SHIPPING,
			payment: {
				provider: "stripe",
				paymentIntentId: expect.stringMatching(/^pi_/),
				status: "succeeded",
			},
			refunds: [
				{
					id: expect.any(String),
					amount: 500,
					currency: "EUR",
					reason: "damaged",
					status: "succeeded",
					createdAt: "2031-01-02T03:04:07.567Z",
				},
			],
			timeline: [
				{
					type: "status_changed",
					fromStatus: "pending_payment",
					toStatus: "paid",
					actor: "stripe",
					at: "2031-01-02T03:04:05.567Z",
				},
				{
					type: "status_changed",
					fromStatus: "paid",
					toStatus: "partially_refunded",
					actor: "admin",
					at: "2031-01-02T03:04:07.567Z",
				},
			],
			paymentDueAt: "2031-01-02T03:34:00.567Z",
			placedAt: "2031-01-02T03:04:00.567Z",
			paidAt: "2031-01-02T03:04:05.567Z",
			cancelledAt: null,
			cancelReason: null,
		});
		expect(body.number).toMatch(/^VS-\d{5,}$/);
		// Internal notes and who acted are never shown to the customer.
		expect(JSON.stringify(body)).not.toMatch(/difficult|actorId|"data"/);
		expect(JSON.stringify(body)).not.toContain(customer.userId);
	});

	it("writes every timestamp as ISO 8601 UTC", async () => {
		const customer = await register();
		const order = await insertOrder({
			userId: customer.userId,
			status: "cancelled",
			cancelledAt: new Date(),
			cancelReason: "customer_request",
		});
		const res = await call(`/v1/orders/${order.id}`, {
			headers: bearer(customer.accessToken),
		});
		const body = (await res.json()) as Record<string, string>;
		for (const field of ["placedAt", "paymentDueAt", "cancelledAt"])
			expect(body[field]).toMatch(ISO_UTC);
		expect(body).toMatchObject({
			status: "cancelled",
			cancelReason: "customer_request",
			paidAt: null,
			refunds: [],
			timeline: [],
		});
	});

	it("answers 404 for another customer's order, an unknown id and a malformed id", async () => {
		const owner = await register();
		const stranger = await register();
		const order = await insertOrder({ userId: owner.userId });
		for (const id of [order.id, crypto.randomUUID(), "not-a-uuid", "1"]) {
			const res = await call(`/v1/orders/${id}`, {
				headers: bearer(stranger.accessToken),
			});
			expect(res.headers.get("Cache-Control")).toBe("no-store");
			await expectError(res, 404, "NOT_FOUND");
		}
		// A malformed id never reaches the database.
		const malformed = await call("/v1/orders/x'or'1'='1", {
			headers: bearer(owner.accessToken),
		});
		expect(dbRoundTrips(malformed)).toBe(0);
		await expectError(malformed, 404, "NOT_FOUND");
	});

	it("answers 404 without credentials, even for an existing order", async () => {
		const owner = await register();
		const order = await insertOrder({ userId: owner.userId });
		const res = await call(`/v1/orders/${order.id}`);
		expect(dbRoundTrips(res)).toBe(0);
		await expectError(res, 404, "NOT_FOUND");
	});

	it("answers 401 for an Authorization header that does not verify", async () => {
		const owner = await register();
		const order = await insertOrder({ userId: owner.userId });
		const res = await call(`/v1/orders/${order.id}`, {
			headers: { Authorization: "Bearer a.b.c" },
		});
		await expectError(res, 401, "UNAUTHENTICATED");
	});

	it("shows a guest order to the holder of its order token, and to nobody else", async () => {
		const order = await insertOrder();
		const token = order.token ?? "";
		const ok = await call(`/v1/orders/${order.id}`, {
			headers: asToken(token),
		});
		expect(ok.status).toBe(200);
		expect(dbRoundTrips(ok)).toBe(1);
		expect(await ok.json()).toMatchObject({ id: order.id });

		for (const headers of [
			{},
			asToken(randomToken()),
			// One character off.
			asToken(`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`),
			asToken("short"),
			asToken(`${token}x`),
		])
			await expectError(
				await call(`/v1/orders/${order.id}`, { headers }),
				404,
				"NOT_FOUND",
			);
		// A token opens its own order only.
		const other = await insertOrder();
		await expectError(
			await call(`/v1/orders/${other.id}`, { headers: asToken(token) }),
			404,
			"NOT_FOUND",
		);
	});

	it("never shows a customer's order to a guest token, nor a guest order to a customer", async () => {
		const customer = await register();
		const mine = await insertOrder({ userId: customer.userId });
		const guest = await insertOrder();
		await expectError(
			await call(`/v1/orders/${mine.id}`, {
				headers: asToken(guest.token ?? ""),
			}),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await call(`/v1/orders/${guest.id}`, {
				headers: bearer(customer.accessToken),
			}),
			404,
			"NOT_FOUND",
		);
	});
});

describe("GET /v1/orders/{id}/items", () => {
	it("returns the order's lines in checkout order, in one round trip", async () => {
		const customer = await register();
		const order = await insertOrder({
			userId: customer.userId,
			lines: [{ name: "First", quantity: 3 }, { name: "Second" }],
		});
		const headers = bearer(customer.accessToken);
		const res = await call(`/v1/orders/${order.id}/items`, { headers });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		const { data, nextCursor } = (await res.json()) as {
			data: unknown[];
			nextCursor: null;
		};
		expect(nextCursor).toBeNull(); // every line at once: the one list shape, no next page
		const view = (await (
			await call(`/v1/orders/${order.id}`, { headers })
		).json()) as { items: unknown[] };
		expect(data).toEqual(view.items);
		expect(data).toMatchObject([
			{ id: order.itemIds[0], name: "First", quantity: 3, lineTotal: 3000 },
			{ id: order.itemIds[1], name: "Second" },
		]);
	});

	it("answers 404 to anyone but the order's reader", async () => {
		const owner = await register();
		const stranger = await register();
		const order = await insertOrder({ userId: owner.userId });
		const guest = await insertOrder();
		for (const [id, headers] of [
			[order.id, bearer(stranger.accessToken)],
			[order.id, {}],
			[guest.id, asToken(randomToken())],
			["nope", bearer(owner.accessToken)],
		] as const)
			await expectError(
				await call(`/v1/orders/${id}/items`, { headers }),
				404,
				"NOT_FOUND",
			);
		const ok = await call(`/v1/orders/${guest.id}/items`, {
			headers: asToken(guest.token ?? ""),
		});
		expect(ok.status).toBe(200);
	});
});

describe("orders placed through checkout", () => {
	it("reads back exactly the order checkout answered, for the customer", async () => {
		const placed = await placeOrder({
			variants: [
				{ price: 1250, onHand: 5 },
				{ price: 300, onHand: 5 },
			],
			quantities: [2, 1],
		});
		const headers = { Authorization: `Bearer ${placed.who.accessToken}` };
		const res = await call(`/v1/orders/${placed.order.id}`, { headers });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(await res.json()).toEqual(placed.order);
		expect(placed.order).toMatchObject({
			status: "pending_payment",
			subtotal: 2800,
			payment: {
				provider: "stripe",
				paymentIntentId: placed.payment.paymentIntentId,
			},
		});
		const items = await call(`/v1/orders/${placed.order.id}/items`, {
			headers,
		});
		expect(await items.json()).toEqual({
			data: placed.order.items,
			nextCursor: null,
		});
	});

	it("lets a guest read their order with the order token from checkout, and nobody else", async () => {
		const placed = await placeOrder({ guest: true });
		expect(placed.orderToken).toEqual(expect.any(String));
		const res = await call(`/v1/orders/${placed.order.id}`, {
			headers: asToken(placed.orderToken ?? ""),
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual(placed.order);
		const stranger = await register();
		for (const headers of [
			{},
			asToken(randomToken()),
			bearer(stranger.accessToken),
			// The cart token that placed the order is not an order token.
			asToken(placed.who.cartToken ?? ""),
		])
			await expectError(
				await call(`/v1/orders/${placed.order.id}`, { headers }),
				404,
				"NOT_FOUND",
			);
	});
});
