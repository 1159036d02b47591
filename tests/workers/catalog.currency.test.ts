import { describe, expect, it } from "vitest";
import { freshProduct, newGuestCart } from "./helpers/cart";
import { admin, patch } from "./helpers/catalog";
import { expectError } from "./helpers/http";

const setCurrency = (productId: string, currency: string) =>
	admin(`/v1/admin/products/${productId}`, patch({ currency }));

describe("PATCH /v1/admin/products/{id} currency", () => {
	it("answers 409 naming why once a variant is in a cart, and changes nothing", async () => {
		const product = await freshProduct([{ price: 1999, onHand: 5 }]);
		await newGuestCart(product.variants[0]?.id ?? "");
		const error = await expectError(
			await setCurrency(product.id, "JPY"),
			409,
			"CONFLICT",
		);
		expect(error.details).toEqual({
			field: "currency",
			value: "JPY",
			reason: "in_carts_or_orders",
		});
		expect(error.message).toMatch(/carts or orders/);
		const read = await admin(`/v1/admin/products/${product.id}`);
		expect(((await read.json()) as { currency: string }).currency).toBe("EUR");
	});

	it("still allows a currency change while nothing references the variants, and a no-op change always", async () => {
		const product = await freshProduct([{ price: 1999, onHand: 5 }]);
		const changed = await setCurrency(product.id, "USD");
		expect(changed.status).toBe(200);
		expect(((await changed.json()) as { currency: string }).currency).toBe(
			"USD",
		);
		await newGuestCart(product.variants[0]?.id ?? "");
		expect((await setCurrency(product.id, "USD")).status).toBe(200);
	});
});
