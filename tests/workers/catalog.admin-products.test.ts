import { describe, expect, it } from "vitest";
import { adminProductSchema } from "../../src/modules/catalog/admin.schemas";
import {
	admin,
	createCategory,
	createProduct,
	patch,
	post,
	unique,
} from "./helpers/catalog";
import { call, expectError } from "./helpers/http";

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
		// The answer is exactly the declared AdminProduct schema.
		expect(adminProductSchema.parse(p)).toEqual(p);
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
