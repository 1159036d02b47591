import { expect } from "vitest";
import type { Cart } from "../../../src/modules/cart/cart.service";
import {
	admin,
	createCategory,
	createProduct,
	type Product,
	patch,
	post,
	type VariantSpec,
} from "./catalog";
import { call, json } from "./http";

export type CartJson = Cart & { cartToken?: string };

/** Credentials a cart request carries: an access token, a guest cart token, or nothing. */
export type Who = { accessToken?: string; cartToken?: string; cookie?: string };

export function whoHeaders(who: Who = {}): Record<string, string> {
	return {
		...(who.accessToken ? { Authorization: `Bearer ${who.accessToken}` } : {}),
		...(who.cartToken ? { "X-Cart-Token": who.cartToken } : {}),
		...(who.cookie ? { Cookie: `vs_cart=${who.cookie}` } : {}),
	};
}

/**
 * A fresh active product (own category) with the given variants; several variants without
 * options get distinct `Size` values (the catalog forbids duplicate option combinations).
 */
export async function freshProduct(
	variants: VariantSpec[] = [{ price: 1000, onHand: 10 }],
	overrides: Parameters<typeof createProduct>[1] = {},
): Promise<Product> {
	const category = await createCategory();
	const sized = variants.length > 1 && variants.every((v) => !v.options);
	return createProduct(category.id, {
		variants: sized
			? variants.map((v, i) => ({ ...v, options: { Size: `S${i}` } }))
			: variants,
		...(sized
			? { options: [{ name: "Size", values: variants.map((_, i) => `S${i}`) }] }
			: {}),
		...overrides,
	});
}

export const getCart = (who?: Who) =>
	call("/v1/cart", { headers: whoHeaders(who) });

export const addItem = (variantId: string, quantity: number, who?: Who) =>
	call(
		"/v1/cart/items",
		json({ variantId, quantity }, { headers: whoHeaders(who) }),
	);

export const setQuantity = (itemId: string, quantity: number, who?: Who) =>
	call(
		`/v1/cart/items/${itemId}`,
		json({ quantity }, { method: "PATCH", headers: whoHeaders(who) }),
	);

export const removeItem = (itemId: string, who?: Who) =>
	call(`/v1/cart/items/${itemId}`, {
		method: "DELETE",
		headers: whoHeaders(who),
	});

/** Adds as a new guest; returns the cart and its token. */
export async function newGuestCart(
	variantId: string,
	quantity = 1,
): Promise<CartJson & { cartToken: string }> {
	const res = await addItem(variantId, quantity);
	expect(res.status).toBe(201);
	const cart = (await res.json()) as CartJson;
	expect(cart.cartToken).toEqual(expect.any(String));
	return cart as CartJson & { cartToken: string };
}

export async function cartOf(who: Who): Promise<CartJson> {
	const res = await getCart(who);
	expect(res.status).toBe(200);
	return (await res.json()) as CartJson;
}

export async function setPrice(variantId: string, price: number) {
	const res = await admin(`/v1/admin/variants/${variantId}`, patch({ price }));
	expect(res.status).toBe(200);
}

export async function setStock(variantId: string, onHand: number) {
	const res = await admin(
		`/v1/admin/variants/${variantId}/inventory`,
		post({ set: onHand, reason: "cart test" }),
	);
	expect(res.status).toBe(200);
}

export async function archiveVariant(variantId: string) {
	const res = await admin(
		`/v1/admin/variants/${variantId}`,
		patch({ status: "archived" }),
	);
	expect(res.status).toBe(200);
}
