import { describe, expect, it } from "vitest";
import { register } from "./helpers/auth";
import {
	addItem,
	type CartJson,
	cartOf,
	freshProduct,
	newGuestCart,
} from "./helpers/cart";
import { admin, createCategory } from "./helpers/catalog";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";

describe("POST /v1/cart/items", () => {
	it("creates a guest cart: token in the body, X-Cart-Token and an httpOnly cookie; one round trip", async () => {
		const product = await freshProduct();
		const res = await addItem(product.variants[0]?.id ?? "", 2);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const cart = (await res.json()) as CartJson;
		expect(cart.cartToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(res.headers.get("X-Cart-Token")).toBe(cart.cartToken);
		const cookie = res.headers
			.getSetCookie()
			.find((c) => c.startsWith("vs_cart="));
		expect(cookie).toContain(`vs_cart=${cart.cartToken}`);
		expect(cookie).toMatch(/HttpOnly/);
		expect(cookie).toMatch(/Secure/);
		expect(cookie).toMatch(/SameSite=Strict/);
		expect(cookie).toMatch(/Path=\/v1(;|$)/);
		expect(cookie).toMatch(/Max-Age=2592000/);
		expect(cart).toMatchObject({
			itemCount: 2,
			subtotal: 2000,
			currency: "EUR",
		});
		expect(cart.id).toEqual(expect.any(String));
	});

	it("accepts the token back from the cookie as well as the header", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const { cartToken, id } = await newGuestCart(variantId);
		const res = await addItem(variantId, 1, { cookie: cartToken });
		expect(res.status).toBe(201);
		const cart = (await res.json()) as CartJson;
		expect(cart).toMatchObject({ id, itemCount: 2 });
		expect(cart.cartToken).toBeUndefined();
		// The cookie's expiry slides; the httpOnly token is not echoed where scripts can read it.
		expect(res.headers.getSetCookie().join()).toMatch(
			/vs_cart=.*Max-Age=2592000/,
		);
		expect(res.headers.get("X-Cart-Token")).toBeNull();
	});

	it("increments an existing line instead of adding a second one", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const { cartToken } = await newGuestCart(variantId, 2);
		const res = await addItem(variantId, 3, { cartToken });
		expect(dbRoundTrips(res)).toBe(1);
		const cart = (await res.json()) as CartJson;
		expect(cart.items).toHaveLength(1);
		expect(cart.items[0]?.quantity).toBe(5);
	});

	it("keeps a signed-in user's cart in one round trip", async () => {
		const { accessToken } = await register();
		const product = await freshProduct();
		const res = await addItem(product.variants[0]?.id ?? "", 1, {
			accessToken,
		});
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		expect(res.headers.get("X-Cart-Token")).toBeNull();
		const cart = (await res.json()) as CartJson;
		expect(cart.cartToken).toBeUndefined();
		expect((await cartOf({ accessToken })).id).toBe(cart.id);
	});

	it("answers 409 OUT_OF_STOCK with the available quantity, in the database's words", async () => {
		const product = await freshProduct([{ price: 1000, onHand: 5 }]);
		const variantId = product.variants[0]?.id ?? "";
		let res = await addItem(variantId, 6);
		let error = await expectError(res, 409, "OUT_OF_STOCK");
		expect(error.details).toEqual({ available: 5, inCart: 0 });
		expect(res.headers.get("X-Cart-Token")).toBeNull();
		const { cartToken } = await newGuestCart(variantId, 3);
		res = await addItem(variantId, 3, { cartToken });
		expect(dbRoundTrips(res)).toBe(1);
		error = await expectError(res, 409, "OUT_OF_STOCK");
		expect(error.details).toEqual({ available: 5, inCart: 3 });
		expect((await cartOf({ cartToken })).items[0]?.quantity).toBe(3);
	});

	it("counts reserved stock as unavailable", async () => {
		const product = await freshProduct([{ price: 1000, onHand: 4 }]);
		const variantId = product.variants[0]?.id ?? "";
		const { testDb } = await import("./helpers/db");
		const { sql } = await import("drizzle-orm");
		await testDb().execute(
			sql`update variants set reserved = 3 where id = ${variantId}::uuid`,
		);
		const error = await expectError(
			await addItem(variantId, 2),
			409,
			"OUT_OF_STOCK",
		);
		expect(error.details).toMatchObject({ available: 1 });
	});

	it("answers 404 for an unknown variant, setting no cookie", async () => {
		const res = await addItem(crypto.randomUUID(), 1);
		await expectError(res, 404, "NOT_FOUND");
		expect(res.headers.getSetCookie()).toEqual([]);
	});

	it("answers 404 for an unknown cart token and clears a stale cookie", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		await expectError(
			await addItem(variantId, 1, { cartToken: "B".repeat(43) }),
			404,
			"NOT_FOUND",
		);
		const res = await addItem(variantId, 1, { cookie: "C".repeat(43) });
		await expectError(res, 404, "NOT_FOUND");
		expect(res.headers.getSetCookie().join()).toMatch(/vs_cart=;.*Max-Age=0/);
	});

	it("keeps a valid cookie on a 404 for a variant or a line", async () => {
		const product = await freshProduct();
		const { cartToken } = await newGuestCart(product.variants[0]?.id ?? "");
		for (const res of [
			await addItem(crypto.randomUUID(), 1, { cookie: cartToken }),
			await call(`/v1/cart/items/${crypto.randomUUID()}`, {
				method: "DELETE",
				headers: { Cookie: `vs_cart=${cartToken}` },
			}),
		]) {
			await expectError(res, 404, "NOT_FOUND");
			expect(res.headers.getSetCookie()).toEqual([]);
		}
	});

	it("refuses a variant in another currency than the cart's with 409 CURRENCY_MISMATCH", async () => {
		const eur = await freshProduct();
		const category = await createCategory();
		const tag = crypto.randomUUID().slice(0, 8);
		const usdRes = await admin(
			"/v1/admin/products",
			json({
				slug: `usd-${tag}`,
				name: `USD ${tag}`,
				status: "active",
				categoryId: category.id,
				currency: "USD",
				variants: [{ sku: `USD-${tag}`, price: 900, onHand: 5 }],
			}),
		);
		expect(usdRes.status).toBe(201);
		const usd = (await usdRes.json()) as { variants: { id: string }[] };
		const { cartToken } = await newGuestCart(eur.variants[0]?.id ?? "");
		const error = await expectError(
			await addItem(usd.variants[0]?.id ?? "", 1, { cartToken }),
			409,
			"CURRENCY_MISMATCH",
		);
		expect(error.details).toEqual({ cartCurrency: "EUR" });
	});

	it("answers 409 QUANTITY_LIMIT when a line would pass 99", async () => {
		const product = await freshProduct([{ price: 10, onHand: 500 }]);
		const variantId = product.variants[0]?.id ?? "";
		const { cartToken } = await newGuestCart(variantId, 60);
		const error = await expectError(
			await addItem(variantId, 40, { cartToken }),
			409,
			"QUANTITY_LIMIT",
		);
		expect(error.details).toEqual({ max: 99, inCart: 60 });
	});

	it("rejects quantities outside 1..99, non-integers, non-UUID ids, extra fields and bad JSON with 400", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		for (const body of [
			{ variantId, quantity: 0 },
			{ variantId, quantity: -1 },
			{ variantId, quantity: 100 },
			{ variantId, quantity: 1.5 },
			{ variantId, quantity: "2" },
			{ variantId },
			{ variantId: "not-a-uuid", quantity: 1 },
			{ variantId: "1 or 1=1", quantity: 1 },
			{ variantId, quantity: 1, unitPrice: 1 },
		]) {
			const res = await call("/v1/cart/items", json(body));
			await expectError(res, 400, "VALIDATION_FAILED");
			expect(dbRoundTrips(res)).toBe(0);
		}
		const res = await call("/v1/cart/items", {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: "{not json",
		});
		await expectError(res, 400, "INVALID_JSON");
	});
});
