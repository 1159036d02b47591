import { describe, expect, it } from "vitest";
import { cartOf, freshProduct, newGuestCart } from "./helpers/cart";
import {
	admin,
	createCategory,
	createProduct,
	patch,
	post,
	unique,
} from "./helpers/catalog";
import { expectError, json } from "./helpers/http";

const ZERO_UUID = "00000000-0000-7000-8000-000000000000";

describe("deleting what a cart line still holds", () => {
	it("archives the variant, then the product, instead of deleting them", async () => {
		const product = await freshProduct([
			{ price: 500, onHand: 5 },
			{ price: 700, onHand: 5 },
		]);
		const [held, free] = product.variants;
		const { cartToken } = await newGuestCart(held?.id ?? "");
		const variant = await admin(`/v1/admin/variants/${held?.id}`, {
			method: "DELETE",
		});
		expect(await variant.json()).toEqual({ id: held?.id, outcome: "archived" });
		// The other variant is held by nothing: it really goes.
		const other = await admin(`/v1/admin/variants/${free?.id}`, {
			method: "DELETE",
		});
		expect(await other.json()).toEqual({ id: free?.id, outcome: "deleted" });
		const removed = await admin(`/v1/admin/products/${product.id}`, {
			method: "DELETE",
		});
		expect(await removed.json()).toEqual({
			id: product.id,
			outcome: "archived",
		});
		const view = (await (
			await admin(`/v1/admin/products/${product.id}`)
		).json()) as { status: string; variants: { id: string; status: string }[] };
		expect(view.status).toBe("archived");
		expect(view.variants.map((v) => [v.id, v.status])).toEqual([
			[held?.id, "archived"],
		]);
		expect((await cartOf({ cartToken })).items[0]?.notices).toEqual([
			{ code: "unavailable" },
		]);
	});
});

describe("variants: POST /v1/admin/products/:id/variants, PATCH and DELETE /v1/admin/variants/:id", () => {
	it("adds, updates and removes variants, keeping the price range in step", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id, {
			options: [{ name: "Size", values: ["S"] }],
			variants: [{ price: 1000, options: { Size: "S" } }],
		});
		const added = await admin(
			`/v1/admin/products/${p.id}/variants`,
			post({
				sku: `V-${unique()}`,
				price: 3000,
				options: { Size: "XL" },
				onHand: 2,
			}),
		);
		expect(added.status).toBe(201);
		const variant = (await added.json()) as { id: string };
		let product = await (await admin(`/v1/admin/products/${p.id}`)).json();
		expect(product).toMatchObject({
			price: { min: 1000, max: 3000 },
			options: [{ name: "Size", values: ["S", "XL"] }],
		});

		const updated = await admin(
			`/v1/admin/variants/${variant.id}`,
			patch({ price: 500 }),
		);
		expect(await updated.json()).toMatchObject({ price: 500, onHand: 2 });
		product = await (await admin(`/v1/admin/products/${p.id}`)).json();
		expect(product).toMatchObject({ price: { min: 500, max: 1000 } });

		const removed = await admin(`/v1/admin/variants/${variant.id}`, {
			method: "DELETE",
		});
		expect(await removed.json()).toEqual({
			id: variant.id,
			outcome: "deleted",
		});
		product = await (await admin(`/v1/admin/products/${p.id}`)).json();
		expect(product).toMatchObject({ price: { min: 1000, max: 1000 } });
	});

	it("answers 409 for a duplicate SKU or option combination, 400 for a bad price, 404 for unknown ids", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id, {
			options: [{ name: "Size", values: ["S", "M"] }],
			variants: [
				{ price: 1000, options: { Size: "S" } },
				{ price: 1000, options: { Size: "M" } },
			],
		});
		const [s, m] = p.variants;
		const dupeSku = await admin(
			`/v1/admin/variants/${m?.id}`,
			patch({ sku: s?.sku }),
		);
		expect((await expectError(dupeSku, 409, "CONFLICT")).details).toMatchObject(
			{
				field: "sku",
			},
		);
		const dupeCombo = await admin(
			`/v1/admin/products/${p.id}/variants`,
			post({ sku: `V-${unique()}`, price: 1, options: { Size: "S" } }),
		);
		const combo = await expectError(dupeCombo, 409, "CONFLICT");
		expect(combo.details).toEqual({ field: "options", value: { Size: "S" } });
		expect(combo.message).toBe(
			"The product already has a variant with these option values",
		);
		await expectError(
			await admin(`/v1/admin/variants/${m?.id}`, patch({ price: -100 })),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await admin(`/v1/admin/variants/${ZERO_UUID}`, patch({ price: 1 })),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await admin(`/v1/admin/variants/${ZERO_UUID}`, { method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await admin(
				`/v1/admin/products/${ZERO_UUID}/variants`,
				json({ sku: `V-${unique()}`, price: 1 }),
			),
			404,
			"NOT_FOUND",
		);
	});
});

describe("compare-at prices", () => {
	it("answers 400 unless compareAtPrice exceeds the price, on create and on update", async () => {
		const category = await createCategory();
		const product = await createProduct(category.id, {
			variants: [{ price: 1000, compareAtPrice: 1500, onHand: 1 }],
		});
		const variant = product.variants[0];
		if (!variant) throw new Error("no variant");
		for (const compareAtPrice of [1000, 999]) {
			const res = await admin(
				`/v1/admin/products/${product.id}/variants`,
				post({ sku: `CMP-${unique()}`, price: 1000, compareAtPrice }),
			);
			const error = await expectError(res, 400, "VALIDATION_FAILED");
			expect(error.details).toEqual({
				fields: [
					{
						path: "compareAtPrice",
						message: "must exceed the price",
						code: "too_small",
					},
				],
			});
		}
		// Raising the price past the stored compare-at price is refused by the same rule.
		await expectError(
			await admin(`/v1/admin/variants/${variant.id}`, patch({ price: 1500 })),
			400,
			"VALIDATION_FAILED",
		);
		const ok = await admin(
			`/v1/admin/variants/${variant.id}`,
			patch({ price: 1400 }),
		);
		expect(ok.status).toBe(200);
	});
});
