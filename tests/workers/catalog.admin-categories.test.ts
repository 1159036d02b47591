import { describe, expect, it } from "vitest";
import {
	admin,
	createCategory,
	createProduct,
	patch,
	post,
	unique,
} from "./helpers/catalog";
import { expectError } from "./helpers/http";

const ZERO_UUID = "00000000-0000-7000-8000-000000000000";

describe("POST /v1/admin/categories", () => {
	it("creates a category and answers 409 naming slug for a duplicate", async () => {
		const cat = await createCategory();
		const dupe = await admin(
			"/v1/admin/categories",
			post({ slug: cat.slug, name: "Again" }),
		);
		const error = await expectError(dupe, 409, "CONFLICT");
		expect(error.details).toEqual({ field: "slug", value: cat.slug });
		expect(error.message).toBe("Another category already uses that slug");
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
				value: parentId,
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
			field: "moveProductsTo",
			value: null,
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
			field: "id",
			value: parent.id,
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
