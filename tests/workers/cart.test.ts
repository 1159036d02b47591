import { describe, expect, it } from "vitest";
import { register } from "./helpers/auth";
import {
	addItem,
	archiveVariant,
	type CartJson,
	cartOf,
	freshProduct,
	getCart,
	newGuestCart,
	setPrice,
	setQuantity,
	setStock,
} from "./helpers/cart";
import { admin, patch } from "./helpers/catalog";
import { call, dbRoundTrips, expectError } from "./helpers/http";

describe("GET /v1/cart", () => {
	it("answers an empty cart without a database round trip when there is no cart", async () => {
		const res = await getCart();
		expect(res.status).toBe(200);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		expect(await res.json()).toEqual({
			id: null,
			items: [],
			subtotal: 0,
			itemCount: 0,
			currency: null,
		});
		expect(dbRoundTrips(res)).toBe(0);
	});

	it("answers an empty cart for an unknown or malformed cart token", async () => {
		for (const cartToken of ["A".repeat(43), "not-a-token", "x".repeat(500)]) {
			const res = await getCart({ cartToken });
			expect(res.status).toBe(200);
			expect(((await res.json()) as CartJson).id).toBeNull();
		}
	});

	it("answers a signed-in user without a cart an empty cart in one round trip", async () => {
		const { accessToken } = await register();
		const res = await getCart({ accessToken });
		expect(((await res.json()) as CartJson).items).toEqual([]);
		expect(dbRoundTrips(res)).toBe(1);
	});

	it("answers 401 for a bad or expired access token instead of falling back to a guest cart", async () => {
		const product = await freshProduct();
		const { cartToken } = await newGuestCart(product.variants[0]?.id ?? "");
		for (const Authorization of ["Bearer a.b.c", "Basic dXNlcjpwYXNz"]) {
			const res = await call("/v1/cart", {
				headers: { Authorization, "X-Cart-Token": cartToken },
			});
			await expectError(res, 401, "UNAUTHENTICATED");
		}
	});

	it("shows every line with product details, re-priced, in one round trip", async () => {
		const product = await freshProduct(
			[
				{ price: 1250, onHand: 10, options: { Size: "M" } },
				{ price: 300, onHand: 10, options: { Size: "L" } },
			],
			{ options: [{ name: "Size", values: ["M", "L"] }] },
		);
		const [m, l] = product.variants;
		const { cartToken } = await newGuestCart(m?.id ?? "", 2);
		await addItem(l?.id ?? "", 3, { cartToken });
		const res = await getCart({ cartToken });
		expect(dbRoundTrips(res)).toBe(1);
		const cart = (await res.json()) as CartJson;
		expect(cart).toMatchObject({
			subtotal: 2 * 1250 + 3 * 300,
			itemCount: 5,
			currency: "EUR",
		});
		expect(cart.items).toEqual([
			{
				id: expect.any(String),
				variantId: m?.id,
				sku: m?.sku,
				productId: product.id,
				productSlug: product.slug,
				productName: product.name,
				options: { Size: "M" },
				image: null,
				unitPrice: 1250,
				quantity: 2,
				lineTotal: 2500,
				notices: [],
			},
			expect.objectContaining({
				variantId: l?.id,
				quantity: 3,
				lineTotal: 900,
			}),
		]);
	});

	it("reports price_changed after an admin price update, and the new price sticks once the line is changed", async () => {
		const product = await freshProduct([{ price: 1000, onHand: 10 }]);
		const variantId = product.variants[0]?.id ?? "";
		const { cartToken, items } = await newGuestCart(variantId, 2);
		await setPrice(variantId, 1200);
		const cart = await cartOf({ cartToken });
		expect(cart.items[0]).toMatchObject({
			unitPrice: 1200,
			lineTotal: 2400,
			notices: [{ code: "price_changed", old: 1000, new: 1200 }],
		});
		expect(cart.subtotal).toBe(2400);
		const res = await setQuantity(items[0]?.id ?? "", 3, { cartToken });
		expect(((await res.json()) as CartJson).items[0]?.notices).toEqual([]);
	});

	it("reports out_of_stock and quantity_exceeds_stock after admin stock changes", async () => {
		const product = await freshProduct([
			{ price: 500, onHand: 10 },
			{ price: 700, onHand: 10 },
		]);
		const [a, b] = product.variants;
		const { cartToken } = await newGuestCart(a?.id ?? "", 4);
		await addItem(b?.id ?? "", 5, { cartToken });
		await setStock(a?.id ?? "", 0);
		await setStock(b?.id ?? "", 2);
		const cart = await cartOf({ cartToken });
		expect(cart.items.map((i) => i.notices)).toEqual([
			[{ code: "out_of_stock" }],
			[{ code: "quantity_exceeds_stock", available: 2 }],
		]);
		// The out-of-stock line is not counted; the other one is, at its full quantity.
		expect(cart.subtotal).toBe(5 * 700);
		expect(cart.itemCount).toBe(9);
	});

	it("reports unavailable when the variant or its product is archived", async () => {
		const product = await freshProduct([
			{ price: 500, onHand: 10 },
			{ price: 700, onHand: 10 },
		]);
		const [a, b] = product.variants;
		const { cartToken } = await newGuestCart(a?.id ?? "");
		await addItem(b?.id ?? "", 1, { cartToken });
		await archiveVariant(a?.id ?? "");
		let cart = await cartOf({ cartToken });
		expect(cart.items.map((i) => i.notices)).toEqual([
			[{ code: "unavailable" }],
			[],
		]);
		const res = await admin(
			`/v1/admin/products/${product.id}`,
			patch({ status: "archived" }),
		);
		expect(res.status).toBe(200);
		cart = await cartOf({ cartToken });
		expect(cart.items.every((i) => i.notices[0]?.code === "unavailable")).toBe(
			true,
		);
		expect(cart.subtotal).toBe(0);
	});
});
