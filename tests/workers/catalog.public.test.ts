import { describe, expect, it } from "vitest";
import {
	admin,
	createCategory,
	createProduct,
	patch,
	unique,
	untilCached,
} from "./helpers/catalog";
import { call, dbRoundTrips, expectError } from "./helpers/http";

describe("GET /v1/categories", () => {
	it("returns the tree with children nested under parents, ordered by position", async () => {
		const root = await createCategory();
		const second = await createCategory({ parentId: root.id });
		await admin(`/v1/admin/categories/${second.id}`, patch({ position: 2 }));
		const first = await createCategory({ parentId: root.id });
		await admin(`/v1/admin/categories/${first.id}`, patch({ position: 1 }));

		// The tree URL is shared by every test file: look for our subtree in a fresh response.
		const res = await call(`/v1/categories?fresh=${unique()}`);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBeLessThanOrEqual(1);
		const { data, nextCursor } = (await res.json()) as {
			data: { id: string; children: { id: string }[] }[];
			nextCursor: null;
		};
		// The one list shape: the tree is complete, so there is never a next page.
		expect(nextCursor).toBeNull();
		const mine = data.find((n) => n.id === root.id);
		expect(mine?.children.map((c) => c.id)).toEqual([first.id, second.id]);
	});

	it("costs exactly one database round trip on a miss and none on a hit", async () => {
		const path = `/v1/categories?probe=${unique()}`;
		const miss = await call(path);
		expect(miss.headers.get("Server-Timing")).toContain('cache;desc="miss"');
		expect(dbRoundTrips(miss)).toBe(1);
		const hit = await untilCached(path);
		expect(dbRoundTrips(hit)).toBe(0);
		expect(hit.headers.get("ETag")).toBe(miss.headers.get("ETag"));
	});
});

describe("GET /v1/categories/:slug", () => {
	it("returns the category with its breadcrumb from the root and its children", async () => {
		const root = await createCategory();
		const mid = await createCategory({ parentId: root.id });
		const leaf = await createCategory({ parentId: mid.id });
		const res = await call(`/v1/categories/${mid.slug}`);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const body = (await res.json()) as {
			breadcrumb: { slug: string }[];
			children: { slug: string }[];
		};
		expect(body.breadcrumb.map((b) => b.slug)).toEqual([root.slug, mid.slug]);
		expect(body.children.map((c) => c.slug)).toEqual([leaf.slug]);
	});

	it("answers 404 for an unknown slug and 400 for a malformed one", async () => {
		await expectError(
			await call(`/v1/categories/nope-${unique()}`),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await call("/v1/categories/Not_A_Slug"),
			400,
			"VALIDATION_FAILED",
		);
	});
});

describe("GET /v1/products/:idOrSlug", () => {
	it("returns options, variants with availability, breadcrumb in one round trip, by slug or id", async () => {
		const parent = await createCategory();
		const cat = await createCategory({ parentId: parent.id });
		const p = await createProduct(cat.id, {
			options: [{ name: "Size", values: ["S", "M", "L"] }],
			variants: [
				{ price: 1500, onHand: 20, options: { Size: "S" } },
				{ price: 1700, onHand: 3, options: { Size: "M" } },
				{ price: 1900, onHand: 0, options: { Size: "L" } },
			],
		});
		for (const key of [p.slug, p.id]) {
			const res = await call(`/v1/products/${key}`);
			expect(res.status).toBe(200);
			expect(dbRoundTrips(res)).toBe(1);
			const body = (await res.json()) as Record<string, unknown> & {
				variants: Record<string, unknown>[];
			};
			expect(body).toMatchObject({
				id: p.id,
				price: { min: 1500, max: 1900, currency: "EUR" },
				category: { id: cat.id },
				breadcrumb: [{ slug: parent.slug }, { slug: cat.slug }],
				options: [{ name: "Size", values: ["S", "M", "L"] }],
			});
			expect(
				body.variants.map((v) => [v.options, v.availability, v.available]),
			).toEqual([
				[{ Size: "S" }, "in_stock", 20],
				[{ Size: "M" }, "low_stock", 3],
				[{ Size: "L" }, "out_of_stock", 0],
			]);
			expect(body.variants[0]).not.toHaveProperty("onHand");
		}
	});

	it("hides draft and archived products (404)", async () => {
		const cat = await createCategory();
		const draft = await createProduct(cat.id, { status: "draft" });
		const archived = await createProduct(cat.id, { status: "archived" });
		for (const p of [draft, archived])
			await expectError(await call(`/v1/products/${p.slug}`), 404, "NOT_FOUND");
	});

	it("serves a hit from cache with 0 round trips, and 304 for a matching If-None-Match", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id);
		const path = `/v1/products/${p.slug}`;
		const first = await call(path);
		const etag = first.headers.get("ETag");
		expect(etag).toMatch(/^"[\w-]{22}"$/);
		expect(first.headers.get("Cache-Control")).toBe(
			"public, max-age=0, s-maxage=60, stale-while-revalidate=30",
		);
		const hit = await untilCached(path);
		expect(dbRoundTrips(hit)).toBe(0);
		expect(await hit.json()).toEqual(await first.json());

		const notModified = await call(path, {
			headers: { "If-None-Match": `W/"other", ${etag}` },
		});
		expect(notModified.status).toBe(304);
		expect(dbRoundTrips(notModified)).toBe(0);
		expect(notModified.headers.get("ETag")).toBe(etag);
		expect(await notModified.text()).toBe("");

		const changed = await call(path, { headers: { "If-None-Match": '"x"' } });
		expect(changed.status).toBe(200);
	});

	it("answers 304 on a miss too when the ETag matches", async () => {
		const cat = await createCategory();
		const p = await createProduct(cat.id);
		const etag = (await call(`/v1/products/${p.id}`)).headers.get("ETag");
		// Same bytes under another key (slug vs id are different cache entries).
		const res = await call(`/v1/products/${p.id}?v=${unique()}`, {
			headers: { "If-None-Match": etag ?? "" },
		});
		expect(res.status).toBe(304);
	});

	it("does not cache errors", async () => {
		const slug = `later-${unique()}`;
		await expectError(await call(`/v1/products/${slug}`), 404, "NOT_FOUND");
		const cat = await createCategory();
		await createProduct(cat.id, { slug });
		expect((await call(`/v1/products/${slug}`)).status).toBe(200);
	});
});

describe("GET /v1/openapi.json (catalog)", () => {
	it("documents the public and admin catalog routes with their schemas", async () => {
		const doc = (await (await call("/v1/openapi.json")).json()) as {
			servers: { url: string }[];
			paths: Record<string, Record<string, unknown>>;
			components: { schemas: Record<string, unknown> };
		};
		// Paths are absolute (/health and /v1 share one document); the server is the origin.
		expect(doc.servers[0]?.url).toBe("https://api.voidshop.test");
		expect(Object.keys(doc.paths)).toEqual(
			expect.arrayContaining([
				"/v1/categories",
				"/v1/categories/{slug}",
				"/v1/products",
				"/v1/products/{idOrSlug}",
				"/v1/images/{key}",
				"/v1/admin/products",
				"/v1/admin/variants/{id}/inventory",
				"/v1/admin/products/{id}/images",
			]),
		);
		expect(doc.components.schemas).toHaveProperty("ProductCard");
		expect(doc.components.schemas).toHaveProperty("CategoryNode");
	});
});
