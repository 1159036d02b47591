import { describe, expect, it } from "vitest";
import {
	admin,
	bearer,
	createCategory,
	createProduct,
	patch,
	post,
	unique,
} from "./helpers/catalog";
import { call, expectError, json } from "./helpers/http";

const ZERO_UUID = "00000000-0000-7000-8000-000000000000";

describe("admin catalog routes: who may call them", () => {
	const routes: [string, string][] = [
		["POST", "/v1/admin/categories"],
		["PATCH", `/v1/admin/categories/${ZERO_UUID}`],
		["DELETE", `/v1/admin/categories/${ZERO_UUID}`],
		["POST", "/v1/admin/products"],
		["GET", `/v1/admin/products/${ZERO_UUID}`],
		["PATCH", `/v1/admin/products/${ZERO_UUID}`],
		["DELETE", `/v1/admin/products/${ZERO_UUID}`],
		["POST", `/v1/admin/products/${ZERO_UUID}/variants`],
		["PATCH", `/v1/admin/variants/${ZERO_UUID}`],
		["DELETE", `/v1/admin/variants/${ZERO_UUID}`],
		["POST", `/v1/admin/variants/${ZERO_UUID}/inventory`],
		["GET", "/v1/admin/inventory/low-stock"],
		["POST", `/v1/admin/products/${ZERO_UUID}/images`],
		["PATCH", `/v1/admin/images/${ZERO_UUID}`],
		["DELETE", `/v1/admin/images/${ZERO_UUID}`],
		["PUT", `/v1/admin/products/${ZERO_UUID}/images/order`],
	];

	it.each(routes)(
		"%s %s: 401 without a token, 401 with a bad one, 403 for a customer",
		async (method, path) => {
			const body = method === "GET" || method === "DELETE" ? undefined : "{}";
			const headers = { "Content-Type": "application/json" };
			await expectError(
				await call(path, { method, body, headers }),
				401,
				"UNAUTHENTICATED",
			);
			await expectError(
				await call(path, {
					method,
					body,
					headers: { ...headers, Authorization: "Bearer a.b.c" },
				}),
				401,
				"UNAUTHENTICATED",
			);
			await expectError(
				await call(path, {
					method,
					body,
					headers: { ...headers, Authorization: await bearer("customer") },
				}),
				403,
				"FORBIDDEN",
			);
		},
	);
});

describe("POST /v1/admin/categories", () => {
	it("creates a category and answers 409 naming slug for a duplicate", async () => {
		const cat = await createCategory();
		const dupe = await admin(
			"/v1/admin/categories",
			post({ slug: cat.slug, name: "Again" }),
		);
		const error = await expectError(dupe, 409, "CONFLICT");
		expect(error.details).toMatchObject({ field: "slug", value: cat.slug });
	});

	it("answers 404 for an unknown parent", async () => {
		const res = await admin(
			"/v1/admin/categories",
			post({ slug: `c-${unique()}`, name: "Orphan", parentId: ZERO_UUID }),
		);
		expect((await expectError(res, 404, "NOT_FOUND")).details).toEqual({
			field: "parentId",
		});
	});
});

describe("PATCH /v1/admin/categories/:id", () => {
	it("moves a category and refuses to move it under itself or a descendant", async () => {
		const a = await createCategory();
		const b = await createCategory({ parentId: a.id });
		const c = await createCategory({ parentId: b.id });
		for (const parentId of [a.id, b.id, c.id]) {
			const res = await admin(
				`/v1/admin/categories/${a.id}`,
				patch({ parentId }),
			);
			expect((await expectError(res, 409, "CONFLICT")).details).toEqual({
				field: "parentId",
				reason: "cycle",
			});
		}
		const other = await createCategory();
		const moved = await admin(
			`/v1/admin/categories/${c.id}`,
			patch({ parentId: other.id, name: "Moved" }),
		);
		expect(moved.status).toBe(200);
		expect(await moved.json()).toMatchObject({
			parentId: other.id,
			name: "Moved",
		});
		const root = await admin(
			`/v1/admin/categories/${c.id}`,
			patch({ parentId: null }),
		);
		expect(await root.json()).toMatchObject({ parentId: null });
	});

	it("answers 404 for an unknown category", async () => {
		const res = await admin(
			`/v1/admin/categories/${ZERO_UUID}`,
			patch({ name: "x" }),
		);
		await expectError(res, 404, "NOT_FOUND");
	});
});

describe("DELETE /v1/admin/categories/:id", () => {
	it("answers 409 while the category has products, and deletes after moving them", async () => {
		const from = await createCategory();
		const to = await createCategory();
		const p = await createProduct(from.id);
		const refused = await admin(`/v1/admin/categories/${from.id}`, {
			method: "DELETE",
		});
		expect((await expectError(refused, 409, "CONFLICT")).details).toEqual({
			reason: "has_products",
		});
		const moved = await admin(
			`/v1/admin/categories/${from.id}?moveProductsTo=${to.id}`,
			{ method: "DELETE" },
		);
		expect(moved.status).toBe(204);
		const product = await admin(`/v1/admin/products/${p.id}`);
		expect(await product.json()).toMatchObject({ category: { id: to.id } });
	});

	it("answers 409 while it has child categories, 404 when unknown", async () => {
		const parent = await createCategory();
		await createCategory({ parentId: parent.id });
		const res = await admin(`/v1/admin/categories/${parent.id}`, {
			method: "DELETE",
		});
		expect((await expectError(res, 409, "CONFLICT")).details).toEqual({
			reason: "has_children",
		});
		await expectError(
			await admin(`/v1/admin/categories/${ZERO_UUID}`, { method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
		const lonely = await createCategory();
		const missingTarget = await admin(
			`/v1/admin/categories/${lonely.id}?moveProductsTo=${ZERO_UUID}`,
			{ method: "DELETE" },
		);
		await expectError(missingTarget, 404, "NOT_FOUND");
	});
});

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
