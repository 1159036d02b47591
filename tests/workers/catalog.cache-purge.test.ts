import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { catalogVersion } from "../../src/modules/catalog/catalog-version";
import { createServices } from "../../src/services";
import {
	admin,
	createCategory,
	createProduct,
	patch,
	post,
	unique,
	untilCached,
} from "./helpers/catalog";
import { call, dbRoundTrips } from "./helpers/http";

/*
 * Admin catalog writes start a new public cache generation: the very next public read misses
 * the edge cache and shows the change, instead of the cached copy for up to 60 s. Each test
 * first makes sure the page IS cached (a hit), so a stale answer would be served without the
 * purge.
 */

const cacheOf = (res: Response) =>
	/cache;desc="(\w+)"/.exec(res.headers.get("Server-Timing") ?? "")?.[1];

async function fresh(path: string) {
	const res = await call(path);
	expect(res.status).toBe(200);
	expect(cacheOf(res)).toBe("miss");
	return res.json() as Promise<Record<string, unknown>>;
}

async function setup() {
	const category = await createCategory();
	const product = await createProduct(category.id, {
		variants: [{ price: 1000, onHand: 10 }],
	});
	const variantId = product.variants[0]?.id ?? "";
	const detail = `/v1/products/${product.slug}`;
	const list = `/v1/products?category=${category.slug}`;
	for (const path of [detail, list]) await untilCached(path);
	return { category, product, variantId, detail, list };
}

describe("admin catalog writes purge cached public responses", () => {
	it("a price change shows on the product page and its category's list at once", async () => {
		const { variantId, detail, list } = await setup();
		const res = await admin(
			`/v1/admin/variants/${variantId}`,
			patch({ price: 1299 }),
		);
		expect(res.status).toBe(200);
		const page = (await fresh(detail)) as { variants: { price: number }[] };
		expect(page.variants[0]?.price).toBe(1299);
		const cards = (await fresh(list)) as {
			data: { price: { min: number } }[];
		};
		expect(cards.data[0]?.price.min).toBe(1299);
		// The new generation caches again: a hit costs no round trip.
		expect(dbRoundTrips(await untilCached(detail))).toBe(0);
	});

	it("a product update shows on its page, its list and in suggestions", async () => {
		const { product, detail, list } = await setup();
		const word = `zq${unique().replace(/\d/g, "x")}`;
		const suggest = `/v1/search/suggest?q=${word}`;
		await untilCached(suggest);
		const name = `Renamed ${word}`;
		expect(
			(await admin(`/v1/admin/products/${product.id}`, patch({ name }))).status,
		).toBe(200);
		expect(((await fresh(detail)) as { name: string }).name).toBe(name);
		expect(
			((await fresh(list)) as { data: { name: string }[] }).data[0]?.name,
		).toBe(name);
		const suggestions = (await fresh(suggest)) as {
			data: { products: { name: string }[] };
		};
		expect(suggestions.data.products.map((s) => s.name)).toContain(name);
	});

	it("a category rename shows in the tree, the category page and the breadcrumb", async () => {
		const { category, detail } = await setup();
		const tree = "/v1/categories";
		const page = `/v1/categories/${category.slug}`;
		for (const path of [tree, page]) await untilCached(path);
		const name = `Renamed ${unique()}`;
		expect(
			(await admin(`/v1/admin/categories/${category.id}`, patch({ name })))
				.status,
		).toBe(200);
		const nodes = ((await fresh(tree)) as { data: unknown[] }).data;
		expect(JSON.stringify(nodes)).toContain(name);
		expect(((await fresh(page)) as { name: string }).name).toBe(name);
		const product = (await fresh(detail)) as {
			breadcrumb: { name: string }[];
		};
		expect(product.breadcrumb.map((b) => b.name)).toContain(name);
	});

	it("a deleted product disappears from its list and its page is 404", async () => {
		const { product, detail, list } = await setup();
		const res = await admin(`/v1/admin/products/${product.id}`, {
			method: "DELETE",
		});
		expect(res.status).toBe(200);
		expect((await call(detail)).status).toBe(404);
		expect(((await fresh(list)) as { data: unknown[] }).data).toEqual([]);
	});

	it("an inventory change shows in the product's availability", async () => {
		const { variantId, detail } = await setup();
		const res = await admin(
			`/v1/admin/variants/${variantId}/inventory`,
			post({ set: 0, reason: "stocktake" }),
		);
		expect(res.status).toBe(200);
		const page = (await fresh(detail)) as {
			variants: { availability: string; available: number }[];
		};
		expect(page.variants[0]).toMatchObject({
			availability: "out_of_stock",
			available: 0,
		});
	});

	it("a refused write (4xx) and a read leave the cache alone", async () => {
		const { product, detail } = await setup();
		await untilCached(detail);
		const refused = await admin(
			`/v1/admin/products/${product.id}`,
			patch({ status: "nope" }),
		);
		expect(refused.status).toBe(400);
		await (await admin(`/v1/admin/products/${product.id}`)).arrayBuffer();
		const res = await call(detail);
		expect(cacheOf(res)).toBe("hit");
		expect(dbRoundTrips(res)).toBe(0);
	});

	it("another isolate's write reaches this one when its generation memo expires, not per request", async () => {
		const { detail } = await setup();
		// What another isolate's admin write does: a new generation in Redis.
		await createServices(env).redis.incr("catalog:version");
		// This isolate still uses the generation it read (no Redis read per cached request)…
		const still = await call(detail);
		expect(cacheOf(still)).toBe("hit");
		// …until its memo expires (CATALOG_VERSION_TTL; here forced with a TTL of 0).
		const noMemo: Record<string, string> = { CATALOG_VERSION_TTL: "0s" };
		const expired = createServices({ ...env, ...noMemo });
		const generation = await catalogVersion(expired);
		expect(Number(generation)).toBeGreaterThan(0);
		expect(cacheOf(await call(detail))).toBe("miss");
	});
});
