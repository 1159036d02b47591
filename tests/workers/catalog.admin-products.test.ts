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
import { call, expectError, json } from "./helpers/http";

const ZERO_UUID = "00000000-0000-7000-8000-000000000000";

describe("POST /v1/admin/products", () => {
	it("creates product, options, variants and initial stock atomically", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id, {
			status: "draft",
			options: [
				{ name: "Size", values: ["S", "M"] },
				{ name: "Color", values: ["Red"] },
			],
			variants: [
				{ price: 1000, onHand: 4, options: { size: "S", Color: "Red" } },
				{ price: 1200, onHand: 0, options: { Size: "M", Color: "Green" } },
			],
		});
		expect(p.status).toBe("draft");
		expect(p.options).toEqual([
			{ name: "Size", values: ["S", "M"] },
			{ name: "Color", values: ["Red", "Green"] },
		]);
		expect(p.variants.map((v) => [v.options, v.onHand, v.reserved])).toEqual([
			[{ Size: "S", Color: "Red" }, 4, 0],
			[{ Size: "M", Color: "Green" }, 0, 0],
		]);
	});

	it("answers 409 naming the field for a duplicate slug or SKU, and writes nothing", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id);
		const slugClash = await admin(
			"/v1/admin/products",
			post({
				slug: p.slug,
				name: "Clash",
				categoryId: cat.id,
				currency: "EUR",
				variants: [{ sku: `NEW-${unique()}`, price: 1 }],
			}),
		);
		expect(
			(await expectError(slugClash, 409, "CONFLICT")).details,
		).toMatchObject({
			field: "slug",
		});
		const slug = `fresh-${unique()}`;
		const skuClash = await admin(
			"/v1/admin/products",
			post({
				slug,
				name: "Clash",
				categoryId: cat.id,
				currency: "EUR",
				variants: [{ sku: p.variants[0]?.sku, price: 1 }],
			}),
		);
		expect((await expectError(skuClash, 409, "CONFLICT")).details).toEqual({
			field: "sku",
			value: p.variants[0]?.sku,
		});
		// The batch rolled back: the product row of the failed request does not exist.
		await expectError(await call(`/v1/products/${slug}`), 404, "NOT_FOUND");
	});

	it("answers 400 for negative or fractional prices and unknown options", async () => {
		const cat = await createCategory();
		const base = { name: "X", categoryId: cat.id, currency: "EUR" };
		for (const variant of [
			{ sku: `A-${unique()}`, price: -1 },
			{ sku: `A-${unique()}`, price: 10.5 },
			{ sku: `A-${unique()}`, price: 10, compareAtPrice: -5 },
			{ sku: `A-${unique()}`, price: "10" },
			{ sku: `A-${unique()}`, price: 10, options: { Size: "M" } },
		]) {
			const res = await admin(
				"/v1/admin/products",
				post({ ...base, slug: `bad-${unique()}`, variants: [variant] }),
			);
			await expectError(res, 400, "VALIDATION_FAILED");
		}
	});

	it("answers 404 for an unknown category", async () => {
		const res = await admin(
			"/v1/admin/products",
			post({
				slug: `p-${unique()}`,
				name: "X",
				categoryId: ZERO_UUID,
				currency: "EUR",
				variants: [{ sku: `S-${unique()}`, price: 1 }],
			}),
		);
		expect((await expectError(res, 404, "NOT_FOUND")).details).toEqual({
			field: "categoryId",
		});
	});
});

describe("GET /v1/admin/products/:id", () => {
	it("reads a draft product with stock figures; 404 for an unknown id", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id, { status: "draft" });
		const res = await admin(`/v1/admin/products/${p.id}`);
		expect(await res.json()).toMatchObject({
			status: "draft",
			variants: [{ onHand: 10, reserved: 0 }],
		});
		await expectError(
			await admin(`/v1/admin/products/${ZERO_UUID}`),
			404,
			"NOT_FOUND",
		);
	});
});

describe("PATCH /v1/admin/products/:id", () => {
	it("publishes a draft, which then shows publicly", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id, { status: "draft" });
		const res = await admin(
			`/v1/admin/products/${p.id}`,
			patch({ status: "active", name: "Now live" }),
		);
		expect(await res.json()).toMatchObject({
			status: "active",
			name: "Now live",
		});
		expect((await call(`/v1/products/${p.id}`)).status).toBe(200);
	});

	it("answers 409 for a taken slug and 404 for an unknown id", async () => {
		const cat = await createCategory();
		const a = await createProduct(cat.id);
		const b = await createProduct(cat.id);
		const clash = await admin(
			`/v1/admin/products/${b.id}`,
			patch({ slug: a.slug }),
		);
		expect((await expectError(clash, 409, "CONFLICT")).details).toMatchObject({
			field: "slug",
		});
		await expectError(
			await admin(`/v1/admin/products/${ZERO_UUID}`, patch({ name: "x" })),
			404,
			"NOT_FOUND",
		);
	});
});

describe("DELETE /v1/admin/products/:id", () => {
	it("deletes a product with its variants; 404 afterwards", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id);
		const res = await admin(`/v1/admin/products/${p.id}`, { method: "DELETE" });
		expect(await res.json()).toEqual({ id: p.id, outcome: "deleted" });
		await expectError(
			await admin(`/v1/admin/products/${p.id}`),
			404,
			"NOT_FOUND",
		);
	});
});

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
		expect((await expectError(dupeCombo, 409, "CONFLICT")).details).toEqual({
			field: "options",
		});
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
