import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { listProductsSql } from "../../src/modules/catalog/product-list.queries";
import {
	createCategory,
	createProduct,
	listPage,
	type Product,
	unique,
	untilCached,
} from "./helpers/catalog";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError } from "./helpers/http";

/**
 * A small catalog of our own under one root category; every search is scoped to it
 * (`category=`), so products other test files create never show up here.
 */
let root: { id: string; slug: string };
const made: Record<string, Product> = {};

beforeAll(async () => {
	root = await createCategory({ name: "Discovery" });
	const tees = await createCategory({ parentId: root.id, name: "T-Shirts" });
	const footwear = await createCategory({
		parentId: root.id,
		name: "Footwear",
	});
	made.tee = await createProduct(tees.id, {
		name: "Organic T Shirt",
		description: "Soft cotton",
	});
	made.sandals = await createProduct(footwear.id, {
		name: "Leather Sandals",
		description: "Open shoes for summer",
	});
	made.mug = await createProduct(root.id, {
		name: "Crème Mug",
		description: "Stoneware",
	});
	made.hoodie = await createProduct(root.id, {
		name: "Plain Hoodie",
		tags: ["cosy"],
		options: [{ name: "Color", values: ["Red", "Navy"] }],
		variants: [
			{ price: 3000, onHand: 2, options: { Color: "Red" } },
			{ price: 3000, onHand: 2, options: { Color: "Navy" } },
		],
	});
	made.kit = await createProduct(root.id, {
		name: "Zephyr Boot Polish Kit",
		description: "For the zephyr boot and every other boot",
	});
	made.boot = await createProduct(footwear.id, { name: "Zephyr Boot" });
});

const search = (q: string) =>
	listPage(`category=${root.slug}&q=${encodeURIComponent(q)}`).then((page) =>
		page.data.map((p) => p.name),
	);

describe("GET /v1/products?q= (search quality)", () => {
	it("matches hyphenated, spaced and joined forms of a word", async () => {
		for (const q of ["t-shirt", "t shirt", "tshirt", "T-Shirts", "TSHIRTS"])
			expect(await search(q), q).toEqual(["Organic T Shirt"]);
	});

	it("matches the word being typed as a prefix", async () => {
		expect(await search("sanda")).toEqual(["Leather Sandals"]);
		expect(await search("leather sand")).toEqual(["Leather Sandals"]);
	});

	it("ignores accents in both directions", async () => {
		expect(await search("creme")).toEqual(["Crème Mug"]);
		expect(await search("CRÈME mug")).toEqual(["Crème Mug"]);
	});

	it("corrects a typo no document contains", async () => {
		expect(await search("sandel")).toEqual(["Leather Sandals"]);
		expect(await search("leather sandel")).toEqual(["Leather Sandals"]);
	});

	it("searches option values, tags and category names", async () => {
		expect(await search("red")).toEqual(["Plain Hoodie"]);
		expect(await search("cosy")).toEqual(["Plain Hoodie"]);
		expect(new Set(await search("footwear"))).toEqual(
			new Set(["Leather Sandals", "Zephyr Boot"]),
		);
	});

	it("ranks an exact name match first", async () => {
		expect(await search("zephyr boot")).toEqual([
			"Zephyr Boot",
			"Zephyr Boot Polish Kit",
		]);
		expect((await search("zephyr boot polish kit"))[0]).toBe(
			"Zephyr Boot Polish Kit",
		);
	});

	it("excludes words after a minus", async () => {
		expect(await search("zephyr -polish")).toEqual(["Zephyr Boot"]);
	});

	it("answers in one round trip; hostile input is words or a 400, never a 5xx", async () => {
		const res = await call(
			`/v1/products?category=${root.slug}&sort=relevance&q=${encodeURIComponent("sandel")}`,
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		for (const q of [
			"'\"",
			"t:* | !shirt & (",
			"<-> <2> \\ ''",
			"ﬁ ǅ İstanbul ß 中文 🛒",
			"-",
			"- -x",
			`${"sandal ".repeat(580)}`,
		]) {
			const r = await call(`/v1/products?q=${encodeURIComponent(q)}`);
			expect(r.status, q.slice(0, 30)).toBe(200);
		}
		await expectError(
			await call(`/v1/products?q=${encodeURIComponent("a\u0000")}`),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("uses the indexes: no sequential scan of products or variants", async () => {
		const db = testDb();
		const query = listProductsSql(
			{ q: "leather sandel", category: root.slug, options: {} },
			"relevance",
			24,
			undefined,
		);
		// Forbid the sequential scans a small table invites, so the plan shows what the query can use.
		const [, plan] = await db.batch([
			db.execute(sql`set local enable_seqscan = off`),
			db.execute<{ "QUERY PLAN": string }>(sql`explain ${query}`),
		]);
		const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
		expect(text).toMatch(/Bitmap Index Scan on products_search_idx/);
		expect(text).toMatch(/on search_terms/);
		expect(text).not.toMatch(/Seq Scan on search_terms/);
		expect(text).not.toMatch(/Seq Scan on (products|variants)/);
	});
});

describe("GET /v1/products filters", () => {
	it("inStock=false lists only products with nothing in stock", async () => {
		const cat = await createCategory({ parentId: root.id });
		const empty = await createProduct(cat.id, {
			variants: [{ price: 500, onHand: 0 }],
		});
		const stocked = await createProduct(cat.id, {
			options: [{ name: "Size", values: ["S", "M"] }],
			variants: [
				{ price: 500, onHand: 0, options: { Size: "S" } },
				{ price: 600, onHand: 3, options: { Size: "M" } },
			],
		});
		const ids = async (q: string) =>
			(await listPage(`category=${cat.slug}&${q}`)).data.map((p) => p.id);
		expect(await ids("inStock=false")).toEqual([empty.id]);
		expect(await ids("inStock=true")).toEqual([stocked.id]);
	});

	it("answers 404 for an unknown category, in one round trip", async () => {
		const res = await call("/v1/products?category=no-such-category-here");
		await expectError(res, 404, "NOT_FOUND");
		expect(dbRoundTrips(res)).toBe(1);
	});

	it("answers 400 when minPrice exceeds maxPrice", async () => {
		await expectError(
			await call("/v1/products?minPrice=500&maxPrice=100"),
			400,
			"VALIDATION_FAILED",
		);
		expect((await call("/v1/products?minPrice=100&maxPrice=100")).status).toBe(
			200,
		);
	});
});

describe("product cards", () => {
	it("carry the compare-at range of the variants on sale and an onSale flag", async () => {
		const cat = await createCategory({ parentId: root.id });
		const sale = await createProduct(cat.id, {
			options: [{ name: "Size", values: ["S", "M", "L"] }],
			variants: [
				{
					price: 1000,
					compareAtPrice: 1500,
					onHand: 1,
					options: { Size: "S" },
				},
				{
					price: 1000,
					compareAtPrice: 2000,
					onHand: 1,
					options: { Size: "M" },
				},
				{ price: 1200, onHand: 1, options: { Size: "L" } },
			],
		});
		const plain = await createProduct(cat.id);
		const page = await listPage(`category=${cat.slug}`);
		const card = (id: string) => page.data.find((p) => p.id === id);
		expect(card(sale.id)).toMatchObject({
			compareAtPrice: { min: 1500, max: 2000, currency: "EUR" },
			onSale: true,
		});
		expect(card(plain.id)).toMatchObject({
			compareAtPrice: null,
			onSale: false,
		});
	});
});

describe("GET /v1/search/suggest", () => {
	type Suggestions = {
		data: {
			categories: { slug: string; name: string }[];
			products: { slug: string; name: string }[];
		};
	};
	const suggest = async (q: string) => {
		const res = await call(`/v1/search/suggest?q=${encodeURIComponent(q)}`);
		expect(res.status, q.slice(0, 30)).toBe(200);
		return ((await res.json()) as Suggestions).data;
	};

	it("suggests matching categories and products, at most 8 in all, in one round trip", async () => {
		const word = `quux${unique().replace(/\d/g, "k")}`;
		const cat = await createCategory({ name: `${word} Lamps` });
		for (let i = 0; i < 10; i++)
			await createProduct(cat.id, { name: `${word} lamp ${i}` });
		const res = await call(`/v1/search/suggest?q=${word.slice(0, -2)}`);
		expect(dbRoundTrips(res)).toBe(1);
		const { data } = (await res.json()) as Suggestions;
		expect(data.categories).toEqual([
			{ id: cat.id, slug: cat.slug, name: `${word} Lamps` },
		]);
		expect(data.products).toHaveLength(7);
		for (const p of data.products) expect(p.name).toMatch(word);
		expect((await suggest(`${word} lamp 3`)).products[0]?.name).toBe(
			`${word} lamp 3`,
		);
	});

	it("is edge-cached: a repeat costs no round trip", async () => {
		const hit = await untilCached("/v1/search/suggest?q=sanda");
		expect(hit.status).toBe(200);
		expect(dbRoundTrips(hit)).toBe(0);
	});

	it("treats hostile input as words; NUL and over 4 KB are 400", async () => {
		for (const q of [
			"",
			"'\"",
			"t:* | !x & (",
			"ﬁ İstanbul ß 中文 🛒",
			"sandal ".repeat(580),
		]) {
			const data = await suggest(q);
			expect(data.categories.length + data.products.length).toBeLessThanOrEqual(
				8,
			);
		}
		await expectError(
			await call(`/v1/search/suggest?q=${encodeURIComponent("a\u0000")}`),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await call(`/v1/search/suggest?q=${"z".repeat(4097)}`),
			400,
			"VALIDATION_FAILED",
		);
	});
});
