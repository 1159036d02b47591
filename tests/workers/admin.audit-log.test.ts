import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it, vi } from "vitest";
import { newAdmin } from "./helpers/admin";
import { newGuestCart } from "./helpers/cart";
import {
	createCategory,
	createProduct,
	PNG_1X1,
	type Product,
	pngOfSize,
	unique,
} from "./helpers/catalog";
import {
	call,
	callWith,
	dbRoundTrips,
	expectError,
	json,
} from "./helpers/http";

/*
 * Every admin write outside orders and users (catalog, stock, images, shipping methods) leaves
 * exactly one audit row, written in the change's own statement or batch: the round trips each
 * route costs are the ones it cost before it was audited, and a refused or failed change leaves
 * none. Each change is made by a fresh admin, so `actorId` finds that change's rows and no other.
 */

type Admin = Awaited<ReturnType<typeof newAdmin>>;

interface Entry {
	id: string;
	actorId: string;
	action: string;
	targetType: string;
	targetId: string;
	before: unknown;
	after: unknown;
	requestId: string | null;
	at: string;
}

const ZERO_UUID = "00000000-0000-7000-8000-000000000000";

function send(
	who: Admin,
	method: string,
	path: string,
	body?: unknown,
): Promise<Response> {
	return call(
		path,
		body === undefined
			? { method, headers: who.headers }
			: json(body, { method, headers: who.headers }),
	);
}

/** The audit log filtered by `query`, one page of up to 100 (one round trip). */
async function auditLog(who: Admin, query: string): Promise<Entry[]> {
	const res = await call(`/v1/admin/audit-log?${query}&limit=100`, {
		headers: who.headers,
	});
	expect(res.status).toBe(200);
	expect(dbRoundTrips(res)).toBe(1);
	return ((await res.json()) as { data: Entry[] }).data;
}

/** Every row `who` ever wrote. */
const rowsBy = (who: Admin) => auditLog(who, `actorId=${who.id}`);

/**
 * `res` is `who`'s only audited change: exactly one row, found by every filter that names it,
 * with the admin, the target and the response's X-Request-Id.
 */
async function expectAudited(
	res: Response,
	who: Admin,
	entry: {
		action: string;
		targetType: string;
		targetId: string;
		before?: unknown;
		after?: unknown;
	},
): Promise<Entry> {
	const requestId = res.headers.get("x-request-id");
	expect(requestId).toBeTruthy();
	const all = await rowsBy(who);
	expect(all).toHaveLength(1);
	const [row] = all as [Entry];
	expect(row).toMatchObject({ actorId: who.id, requestId, ...entry });
	const filtered = await auditLog(
		who,
		`actorId=${who.id}&action=${entry.action}&targetType=${entry.targetType}&targetId=${encodeURIComponent(entry.targetId)}`,
	);
	expect(filtered.map((e) => e.id)).toEqual([row.id]);
	return row;
}

/**
 * An audited update: `before` is exactly the old values of the fields it changed, read in the
 * update's own statement, and `after` exactly the new ones.
 */
async function expectUpdateAudited(
	res: Response,
	who: Admin,
	entry: {
		action: string;
		targetType: string;
		targetId: string;
		before: Record<string, unknown>;
		after: Record<string, unknown>;
	},
): Promise<void> {
	const row = await expectAudited(res, who, entry);
	expect(row.before).toEqual(entry.before);
	expect(row.after).toEqual(entry.after);
}

/** A refused change: its error, and not one audit row for the admin who asked. */
async function expectRefusedUnaudited(
	res: Response,
	who: Admin,
	status: number,
	code: string,
): Promise<void> {
	await expectError(res, status, code);
	expect(await rowsBy(who)).toEqual([]);
}

/** A product with Color {Red, Blue} × Size {M}; variants Red/M and Blue/M. */
async function optioned(): Promise<Product> {
	const category = await createCategory();
	return createProduct(category.id, {
		options: [
			{ name: "Color", values: ["Red", "Blue"] },
			{ name: "Size", values: ["M"] },
		],
		variants: [
			{ price: 1000, onHand: 3, options: { Color: "Red", Size: "M" } },
			{ price: 1200, onHand: 3, options: { Color: "Blue", Size: "M" } },
		],
	});
}

async function product(): Promise<Product> {
	return createProduct((await createCategory()).id);
}

describe("categories", () => {
	it("POST /v1/admin/categories: category.create in its one round trip; a taken slug (409) writes none", async () => {
		const who = await newAdmin();
		const slug = `audit-${unique()}`;
		const res = await send(who, "POST", "/v1/admin/categories", {
			slug,
			name: "Audited",
		});
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const { id } = (await res.json()) as { id: string };
		await expectAudited(res, who, {
			action: "category.create",
			targetType: "category",
			targetId: id,
			before: null,
			after: { slug, name: "Audited" },
		});

		const refused = await newAdmin();
		const again = await send(refused, "POST", "/v1/admin/categories", {
			slug,
			name: "Twice",
		});
		expect(dbRoundTrips(again)).toBe(1);
		await expectRefusedUnaudited(again, refused, 409, "CONFLICT");
	});

	it("PATCH /v1/admin/categories/{id}: category.update, or category.move with a parent; a cycle (409) or unknown id (404) writes none", async () => {
		const parent = await createCategory();
		const child = await createCategory();
		const renamer = await newAdmin();
		const renamed = await send(
			renamer,
			"PATCH",
			`/v1/admin/categories/${child.id}`,
			{ name: "Renamed" },
		);
		expect(renamed.status).toBe(200);
		expect(dbRoundTrips(renamed)).toBe(1);
		await expectUpdateAudited(renamed, renamer, {
			action: "category.update",
			targetType: "category",
			targetId: child.id,
			before: { name: child.name },
			after: { name: "Renamed" },
		});

		const mover = await newAdmin();
		const moved = await send(
			mover,
			"PATCH",
			`/v1/admin/categories/${child.id}`,
			{ parentId: parent.id },
		);
		expect(moved.status).toBe(200);
		expect(dbRoundTrips(moved)).toBe(1);
		await expectUpdateAudited(moved, mover, {
			action: "category.move",
			targetType: "category",
			targetId: child.id,
			before: { parentId: null },
			after: { parentId: parent.id },
		});

		const refused = await newAdmin();
		const cycle = await send(
			refused,
			"PATCH",
			`/v1/admin/categories/${parent.id}`,
			{ parentId: child.id },
		);
		expect(dbRoundTrips(cycle)).toBe(1);
		await expectRefusedUnaudited(cycle, refused, 409, "CONFLICT");
		await expectRefusedUnaudited(
			await send(refused, "PATCH", `/v1/admin/categories/${ZERO_UUID}`, {
				name: "Nobody",
			}),
			refused,
			404,
			"NOT_FOUND",
		);
	});

	it("DELETE /v1/admin/categories/{id}: category.delete with the deleted row, and where its products went; one with products (409) writes none", async () => {
		const empty = await createCategory();
		const who = await newAdmin();
		const res = await send(who, "DELETE", `/v1/admin/categories/${empty.id}`);
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "category.delete",
			targetType: "category",
			targetId: empty.id,
			before: { slug: empty.slug, name: empty.name, parentId: null },
			after: null,
		});

		const full = await createCategory();
		const target = await createCategory();
		await createProduct(full.id);
		const refused = await newAdmin();
		const blocked = await send(
			refused,
			"DELETE",
			`/v1/admin/categories/${full.id}`,
		);
		expect(dbRoundTrips(blocked)).toBe(1);
		await expectRefusedUnaudited(blocked, refused, 409, "CONFLICT");

		const mover = await newAdmin();
		const moved = await send(
			mover,
			"DELETE",
			`/v1/admin/categories/${full.id}?moveProductsTo=${target.id}`,
		);
		expect(moved.status).toBe(204);
		expect(dbRoundTrips(moved)).toBe(1);
		await expectAudited(moved, mover, {
			action: "category.delete",
			targetType: "category",
			targetId: full.id,
			before: { slug: full.slug },
			after: { moveProductsTo: target.id },
		});
	});
});

describe("products", () => {
	it("POST /v1/admin/products: product.create in its one batch; a taken slug (409) writes none", async () => {
		const category = await createCategory();
		const who = await newAdmin();
		const slug = `audit-${unique()}`;
		const body = {
			slug,
			name: "Audited product",
			categoryId: category.id,
			currency: "EUR",
			variants: [{ sku: `AUD-${unique()}`, price: 900, onHand: 4 }],
		};
		const res = await send(who, "POST", "/v1/admin/products", body);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const created = (await res.json()) as Product;
		await expectAudited(res, who, {
			action: "product.create",
			targetType: "product",
			targetId: created.id,
			after: {
				slug,
				name: "Audited product",
				categoryId: category.id,
				currency: "EUR",
				variants: [
					{
						id: created.variants[0]?.id,
						sku: body.variants[0]?.sku,
						price: 900,
						onHand: 4,
					},
				],
			},
		});

		const refused = await newAdmin();
		const again = await send(refused, "POST", "/v1/admin/products", {
			...body,
			variants: [{ sku: `AUD-${unique()}`, price: 900 }],
		});
		expect(dbRoundTrips(again)).toBe(1);
		await expectRefusedUnaudited(again, refused, 409, "CONFLICT");
	});

	it("PATCH /v1/admin/products/{id}: product.update with the changes; an unknown product (404) writes none", async () => {
		const p = await createProduct((await createCategory()).id, {
			tags: ["before"],
		});
		const who = await newAdmin();
		const res = await send(who, "PATCH", `/v1/admin/products/${p.id}`, {
			name: "Renamed product",
			tags: ["audited"],
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectUpdateAudited(res, who, {
			action: "product.update",
			targetType: "product",
			targetId: p.id,
			before: { name: p.name, tags: ["before"] },
			after: { name: "Renamed product", tags: ["audited"] },
		});

		const refused = await newAdmin();
		const missing = await send(
			refused,
			"PATCH",
			`/v1/admin/products/${ZERO_UUID}`,
			{ name: "Nobody" },
		);
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});

	it("DELETE /v1/admin/products/{id}: product.delete with the deleted product, or the archive when a cart holds it; an unknown product (404) writes none", async () => {
		const p = await product();
		const who = await newAdmin();
		const res = await send(who, "DELETE", `/v1/admin/products/${p.id}`);
		expect(await res.json()).toEqual({ id: p.id, outcome: "deleted" });
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "product.delete",
			targetType: "product",
			targetId: p.id,
			before: { slug: p.slug, name: p.name, status: "active" },
			after: null,
		});

		const held = await product();
		await newGuestCart(held.variants[0]?.id ?? "");
		const archiver = await newAdmin();
		const archived = await send(
			archiver,
			"DELETE",
			`/v1/admin/products/${held.id}`,
		);
		expect(await archived.json()).toEqual({
			id: held.id,
			outcome: "archived",
		});
		// The refused delete, then the archive.
		expect(dbRoundTrips(archived)).toBe(2);
		await expectAudited(archived, archiver, {
			action: "product.delete",
			targetType: "product",
			targetId: held.id,
			before: null,
			after: { status: "archived" },
		});

		const refused = await newAdmin();
		const missing = await send(
			refused,
			"DELETE",
			`/v1/admin/products/${ZERO_UUID}`,
		);
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});
});

describe("variants and stock", () => {
	it("POST /v1/admin/products/{id}/variants: variant.create in its batch; a taken SKU (409) writes none", async () => {
		const p = await optioned();
		const who = await newAdmin();
		const sku = `AUD-${unique()}`;
		const res = await send(who, "POST", `/v1/admin/products/${p.id}/variants`, {
			sku,
			price: 1500,
			onHand: 2,
			options: { color: "Green", Size: "M" },
		});
		expect(res.status).toBe(201);
		// The product's options, then the insert's batch.
		expect(dbRoundTrips(res)).toBe(2);
		const { id } = (await res.json()) as { id: string };
		await expectAudited(res, who, {
			action: "variant.create",
			targetType: "variant",
			targetId: id,
			after: {
				productId: p.id,
				sku,
				price: 1500,
				onHand: 2,
				// As stored: the product's spelling of the option name.
				options: { Color: "Green", Size: "M" },
			},
		});

		const refused = await newAdmin();
		const taken = await send(
			refused,
			"POST",
			`/v1/admin/products/${p.id}/variants`,
			{ sku, price: 1500, options: { Color: "Lime", Size: "M" } },
		);
		expect(dbRoundTrips(taken)).toBe(2);
		await expectRefusedUnaudited(taken, refused, 409, "CONFLICT");
	});

	it("PATCH /v1/admin/variants/{id}: variant.update with the changes; an unknown variant (404) writes none", async () => {
		const p = await product();
		const variantId = p.variants[0]?.id ?? "";
		const who = await newAdmin();
		const res = await send(who, "PATCH", `/v1/admin/variants/${variantId}`, {
			price: 1234,
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(2);
		await expectUpdateAudited(res, who, {
			action: "variant.update",
			targetType: "variant",
			targetId: variantId,
			before: { price: p.variants[0]?.price },
			after: { price: 1234 },
		});

		const refused = await newAdmin();
		const missing = await send(
			refused,
			"PATCH",
			`/v1/admin/variants/${ZERO_UUID}`,
			{ price: 1 },
		);
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});

	it("DELETE /v1/admin/variants/{id}: variant.delete with the deleted variant, or the archive when a cart holds it; an unknown variant (404) writes none", async () => {
		const p = await optioned();
		const [held, free] = p.variants as [
			Product["variants"][number],
			Product["variants"][number],
		];
		const who = await newAdmin();
		const res = await send(who, "DELETE", `/v1/admin/variants/${free.id}`);
		expect(await res.json()).toEqual({ id: free.id, outcome: "deleted" });
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "variant.delete",
			targetType: "variant",
			targetId: free.id,
			before: { productId: p.id, sku: free.sku },
			after: null,
		});

		await newGuestCart(held.id);
		const archiver = await newAdmin();
		const archived = await send(
			archiver,
			"DELETE",
			`/v1/admin/variants/${held.id}`,
		);
		expect(await archived.json()).toEqual({
			id: held.id,
			outcome: "archived",
		});
		expect(dbRoundTrips(archived)).toBe(2);
		await expectAudited(archived, archiver, {
			action: "variant.delete",
			targetType: "variant",
			targetId: held.id,
			before: null,
			after: { status: "archived" },
		});

		const refused = await newAdmin();
		const missing = await send(
			refused,
			"DELETE",
			`/v1/admin/variants/${ZERO_UUID}`,
		);
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});

	it("POST /v1/admin/variants/{id}/inventory: inventory.adjust with stock before and after; below what is left (409) writes none", async () => {
		const p = await createProduct((await createCategory()).id, {
			variants: [{ price: 100, onHand: 10 }],
		});
		const variantId = p.variants[0]?.id ?? "";
		const who = await newAdmin();
		const res = await send(
			who,
			"POST",
			`/v1/admin/variants/${variantId}/inventory`,
			{ delta: 5, reason: "recount" },
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const { ledgerId } = (await res.json()) as { ledgerId: string };
		await expectAudited(res, who, {
			action: "inventory.adjust",
			targetType: "variant",
			targetId: variantId,
			before: { onHand: 10, reserved: 0 },
			after: { onHand: 15, reserved: 0, delta: 5, reason: "recount", ledgerId },
		});

		const refused = await newAdmin();
		const short = await send(
			refused,
			"POST",
			`/v1/admin/variants/${variantId}/inventory`,
			{ delta: -100, reason: "shrinkage" },
		);
		expect(dbRoundTrips(short)).toBe(1);
		await expectRefusedUnaudited(short, refused, 409, "INSUFFICIENT_STOCK");
		await expectRefusedUnaudited(
			await send(refused, "POST", `/v1/admin/variants/${ZERO_UUID}/inventory`, {
				delta: 1,
				reason: "nobody",
			}),
			refused,
			404,
			"NOT_FOUND",
		);
	});
});

describe("options", () => {
	const path = (p: Product, name: string, rest = "") =>
		`/v1/admin/products/${p.id}/options/${name}${rest}`;

	it("PATCH …/options/{name}: option.rename with the old and new name; a taken name (409) writes none", async () => {
		const p = await optioned();
		const who = await newAdmin();
		const res = await send(who, "PATCH", path(p, "color"), { name: "Colour" });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "option.rename",
			targetType: "product",
			targetId: p.id,
			before: { name: "Color" },
			after: { name: "Colour" },
		});

		const refused = await newAdmin();
		const taken = await send(refused, "PATCH", path(p, "Colour"), {
			name: "size",
		});
		expect(dbRoundTrips(taken)).toBe(1);
		await expectRefusedUnaudited(taken, refused, 409, "CONFLICT");
	});

	it("POST …/values/rename: option.rename_value; an unknown value (404) writes none", async () => {
		const p = await optioned();
		const who = await newAdmin();
		const res = await send(who, "POST", path(p, "Color", "/values/rename"), {
			from: "Red",
			to: "Crimson",
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "option.rename_value",
			targetType: "product",
			targetId: p.id,
			before: { option: "Color", value: "Red" },
			after: { option: "Color", value: "Crimson" },
		});

		const refused = await newAdmin();
		const unknown = await send(
			refused,
			"POST",
			path(p, "Color", "/values/rename"),
			{ from: "Green", to: "Lime" },
		);
		expect(dbRoundTrips(unknown)).toBe(1);
		await expectRefusedUnaudited(unknown, refused, 404, "NOT_FOUND");
	});

	it("PUT …/values: option.reorder_values with both orders; a list that is not a reordering (400) writes none", async () => {
		const p = await optioned();
		const who = await newAdmin();
		const res = await send(who, "PUT", path(p, "Color", "/values"), {
			values: ["Blue", "Red"],
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "option.reorder_values",
			targetType: "product",
			targetId: p.id,
			before: { option: "Color", values: ["Red", "Blue"] },
			after: { option: "Color", values: ["Blue", "Red"] },
		});

		const refused = await newAdmin();
		const partial = await send(refused, "PUT", path(p, "Color", "/values"), {
			values: ["Blue"],
		});
		expect(dbRoundTrips(partial)).toBe(1);
		await expectRefusedUnaudited(partial, refused, 400, "VALIDATION_FAILED");
	});

	it("DELETE …/options/{name}: option.delete with the removed option; one that tells variants apart (409) writes none", async () => {
		const p = await optioned();
		const who = await newAdmin();
		const res = await send(who, "DELETE", path(p, "Size"));
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "option.delete",
			targetType: "product",
			targetId: p.id,
			before: { name: "Size", values: ["M"] },
			after: null,
		});

		const refused = await newAdmin();
		const inUse = await send(refused, "DELETE", path(p, "Color"));
		expect(dbRoundTrips(inUse)).toBe(1);
		await expectRefusedUnaudited(inUse, refused, 409, "CONFLICT");
	});
});

describe("images", () => {
	const upload = (who: Admin, productId: string, bytes: Uint8Array) =>
		call(`/v1/admin/products/${productId}/images?alt=Front`, {
			method: "POST",
			headers: { ...who.headers, "Content-Type": "image/png" },
			body: bytes,
		});

	async function imageOf(p: Product) {
		const res = await upload(await newAdmin(), p.id, pngOfSize(301));
		expect(res.status).toBe(201);
		return (await res.json()) as { id: string; key: string };
	}

	it("POST /v1/admin/products/{id}/images: image.upload with the image row; an unknown product (404) writes none", async () => {
		const p = await product();
		const who = await newAdmin();
		const res = await upload(who, p.id, PNG_1X1);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const image = (await res.json()) as { id: string; key: string };
		await expectAudited(res, who, {
			action: "image.upload",
			targetType: "image",
			targetId: image.id,
			after: {
				productId: p.id,
				variantId: null,
				key: image.key,
				alt: "Front",
				position: 0,
				width: 1,
				height: 1,
				contentType: "image/png",
			},
		});

		const refused = await newAdmin();
		const missing = await upload(refused, ZERO_UUID, PNG_1X1);
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});

	it("POST /v1/admin/products/{id}/images: R2 refusing the bytes (500) leaves no image and no audit row", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const p = await product();
		const who = await newAdmin();
		const refusing = {
			...env,
			IMAGES: {
				...env.IMAGES,
				put: () => Promise.reject(new Error("R2 is down")),
			},
		};
		const res = await callWith(refusing, `/v1/admin/products/${p.id}/images`, {
			method: "POST",
			headers: { ...who.headers, "Content-Type": "image/png" },
			body: pngOfSize(512),
		});
		await expectError(res, 500, "INTERNAL");
		// The insert with its audit row, then the delete of both.
		expect(dbRoundTrips(res)).toBe(2);
		expect(await rowsBy(who)).toEqual([]);
	});

	it("PATCH /v1/admin/images/{id}: image.update with the changes; an unknown image (404) writes none", async () => {
		const image = await imageOf(await product());
		const who = await newAdmin();
		const res = await send(who, "PATCH", `/v1/admin/images/${image.id}`, {
			alt: "Back",
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectUpdateAudited(res, who, {
			action: "image.update",
			targetType: "image",
			targetId: image.id,
			before: { alt: "Front" },
			after: { alt: "Back" },
		});

		const refused = await newAdmin();
		const missing = await send(
			refused,
			"PATCH",
			`/v1/admin/images/${ZERO_UUID}`,
			{ alt: "Nobody" },
		);
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});

	it("DELETE /v1/admin/images/{id}: image.delete with the deleted image; an unknown image (404) writes none", async () => {
		const p = await product();
		const image = await imageOf(p);
		const who = await newAdmin();
		const res = await send(who, "DELETE", `/v1/admin/images/${image.id}`);
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "image.delete",
			targetType: "image",
			targetId: image.id,
			before: { productId: p.id, key: image.key, alt: "Front" },
			after: null,
		});

		const refused = await newAdmin();
		const again = await send(refused, "DELETE", `/v1/admin/images/${image.id}`);
		expect(dbRoundTrips(again)).toBe(1);
		await expectRefusedUnaudited(again, refused, 404, "NOT_FOUND");
	});

	it("PUT /v1/admin/products/{id}/images/order: image.reorder on the product; a partial list (400) or unknown product (404) writes none", async () => {
		const p = await product();
		const first = await imageOf(p);
		const second = await imageOf(p);
		const who = await newAdmin();
		const order = [second.id, first.id];
		const res = await send(
			who,
			"PUT",
			`/v1/admin/products/${p.id}/images/order`,
			{
				imageIds: order,
			},
		);
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "image.reorder",
			targetType: "product",
			targetId: p.id,
			after: { imageIds: order },
		});

		const refused = await newAdmin();
		const partial = await send(
			refused,
			"PUT",
			`/v1/admin/products/${p.id}/images/order`,
			{ imageIds: [first.id] },
		);
		expect(dbRoundTrips(partial)).toBe(1);
		await expectRefusedUnaudited(partial, refused, 400, "VALIDATION_FAILED");
		await expectRefusedUnaudited(
			await send(
				refused,
				"PUT",
				`/v1/admin/products/${ZERO_UUID}/images/order`,
				{ imageIds: [] },
			),
			refused,
			404,
			"NOT_FOUND",
		);
	});
});

describe("shipping methods", () => {
	const BASE = "/v1/admin/shipping-methods";
	/** Inactive and far after the seeded methods: what other files list never changes. */
	const method = (code: string) => ({
		code,
		name: `Audited ${code}`,
		price: 700,
		currency: "EUR",
		active: false,
		position: 1_000_000,
	});
	const created = new Set<string>();
	afterAll(async () => {
		const cleaner = await newAdmin();
		for (const code of created)
			await send(cleaner, "DELETE", `${BASE}/${code}`);
	});

	it("POST: shipping_method.create named by its code; a taken code (409) writes none", async () => {
		const code = `audit-${unique()}`;
		created.add(code);
		const who = await newAdmin();
		const res = await send(who, "POST", BASE, method(code));
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "shipping_method.create",
			targetType: "shipping_method",
			targetId: code,
			after: method(code),
		});

		const refused = await newAdmin();
		const taken = await send(refused, "POST", BASE, method(code));
		expect(dbRoundTrips(taken)).toBe(1);
		await expectRefusedUnaudited(taken, refused, 409, "CONFLICT");
	});

	it("PATCH /{code}: shipping_method.update with the changes; an unknown code (404) writes none", async () => {
		const code = `audit-${unique()}`;
		created.add(code);
		expect(
			(
				await send(await newAdmin(), "POST", BASE, {
					...method(code),
					freeOver: 5000,
				})
			).status,
		).toBe(201);
		const who = await newAdmin();
		const res = await send(who, "PATCH", `${BASE}/${code}`, {
			price: 990,
			freeOver: null,
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		await expectUpdateAudited(res, who, {
			action: "shipping_method.update",
			targetType: "shipping_method",
			targetId: code,
			before: { price: 700, freeOver: 5000 },
			after: { price: 990, freeOver: null },
		});

		const refused = await newAdmin();
		const missing = await send(refused, "PATCH", `${BASE}/nope-${unique()}`, {
			price: 1,
		});
		expect(dbRoundTrips(missing)).toBe(1);
		await expectRefusedUnaudited(missing, refused, 404, "NOT_FOUND");
	});

	it("DELETE /{code}: shipping_method.delete with the deleted method; an unknown code (404) writes none", async () => {
		const code = `audit-${unique()}`;
		const createdRes = await send(await newAdmin(), "POST", BASE, method(code));
		const { id } = (await createdRes.json()) as { id: string };
		const who = await newAdmin();
		const res = await send(who, "DELETE", `${BASE}/${code}`);
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		await expectAudited(res, who, {
			action: "shipping_method.delete",
			targetType: "shipping_method",
			targetId: code,
			before: {
				id,
				name: `Audited ${code}`,
				price: 700,
				currency: "EUR",
				freeOver: null,
				active: false,
			},
			after: null,
		});

		const refused = await newAdmin();
		const again = await send(refused, "DELETE", `${BASE}/${code}`);
		expect(dbRoundTrips(again)).toBe(1);
		await expectRefusedUnaudited(again, refused, 404, "NOT_FOUND");
	});
});

describe("GET /v1/admin/audit-log over the new actions", () => {
	it("filters by action, target type, actor and time; an undocumented action is a 400", async () => {
		const who = await newAdmin();
		const parent = await send(who, "POST", "/v1/admin/categories", {
			slug: `audit-${unique()}`,
			name: "Parent",
		});
		const child = await send(who, "POST", "/v1/admin/categories", {
			slug: `audit-${unique()}`,
			name: "Child",
		});
		const parentId = ((await parent.json()) as { id: string }).id;
		const childId = ((await child.json()) as { id: string }).id;
		const moved = await send(who, "PATCH", `/v1/admin/categories/${childId}`, {
			parentId,
		});
		expect(moved.status).toBe(200);
		const p = await product();
		const adjusted = await send(
			who,
			"POST",
			`/v1/admin/variants/${p.variants[0]?.id}/inventory`,
			{ set: 3, reason: "count" },
		);
		expect(adjusted.status).toBe(200);

		const actions = async (query: string) =>
			(await auditLog(who, `actorId=${who.id}&${query}`)).map((e) => [
				e.action,
				e.targetId,
			]);
		expect(await actions("")).toEqual([
			["inventory.adjust", p.variants[0]?.id],
			["category.move", childId],
			["category.create", childId],
			["category.create", parentId],
		]);
		expect(await actions("action=category.move")).toEqual([
			["category.move", childId],
		]);
		expect(await actions("targetType=category")).toEqual([
			["category.move", childId],
			["category.create", childId],
			["category.create", parentId],
		]);
		expect(await actions("targetType=variant")).toEqual([
			["inventory.adjust", p.variants[0]?.id],
		]);
		expect(await actions(`targetType=category&targetId=${childId}`)).toEqual([
			["category.move", childId],
			["category.create", childId],
		]);
		const at = (await rowsBy(who)).map((e) => e.at);
		expect(await actions(`from=${at[2]}&to=${at[0]}`)).toEqual([
			["category.move", childId],
			["category.create", childId],
		]);
		// Another admin's view of the same log, filtered to the first one.
		expect(
			(
				await auditLog(
					await newAdmin(),
					`actorId=${who.id}&action=inventory.adjust`,
				)
			).length,
		).toBe(1);

		await expectError(
			await call("/v1/admin/audit-log?action=category.explode", {
				headers: who.headers,
			}),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await call("/v1/admin/audit-log?targetType=planet", {
				headers: who.headers,
			}),
			400,
			"VALIDATION_FAILED",
		);
	});
});
