import { beforeAll, describe, expect, it } from "vitest";
import {
	createCategory,
	createProduct,
	listPage,
	type Product,
	unique,
	untilCached,
} from "./helpers/catalog";
import { call, dbRoundTrips, expectError } from "./helpers/http";

/** A category of our own with a sub-category, so every list here only sees our products. */
let root: { id: string; slug: string };
let child: { id: string; slug: string };
let word: string;
const made: Record<string, Product> = {};

beforeAll(async () => {
	root = await createCategory();
	child = await createCategory({ parentId: root.id });
	word = `zork${unique().replace(/\d/g, "q")}`;
	const colours = { name: "Color", values: ["Red", "Blue"] };
	made.redShirt = await createProduct(root.id, {
		name: `Red ${word} shirt`,
		options: [colours],
		variants: [
			{ price: 2500, onHand: 5, options: { Color: "Red" } },
			{ price: 2600, onHand: 0, options: { Color: "Blue" } },
		],
	});
	made.blueMug = await createProduct(child.id, {
		name: "Blue mug",
		description: `A mug that mentions ${word} only in its description`,
		options: [colours],
		variants: [{ price: 900, onHand: 0, options: { Color: "Blue" } }],
	});
	made.cheapSock = await createProduct(child.id, {
		name: "Cheap sock",
		variants: [{ price: 100, onHand: 50 }],
	});
	made.draft = await createProduct(root.id, {
		name: `Draft ${word}`,
		status: "draft",
	});
});

const ids = (page: { data: { id: string }[] }) => page.data.map((p) => p.id);

describe("GET /v1/products", () => {
	it("lists only active products of a category and its descendants, in one round trip", async () => {
		const res = await call(`/v1/products?category=${root.slug}`);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const page = (await res.json()) as Awaited<ReturnType<typeof listPage>>;
		expect(new Set(ids(page))).toEqual(
			new Set([made.redShirt?.id, made.blueMug?.id, made.cheapSock?.id]),
		);
		expect(page.nextCursor).toBeNull();
		const shirt = page.data.find((p) => p.id === made.redShirt?.id);
		expect(shirt).toMatchObject({
			price: { min: 2500, max: 2600, currency: "EUR" },
			inStock: true,
			image: null,
		});
	});

	it("filters a sub-category without its parent's products", async () => {
		const page = await listPage(`category=${child.slug}&sort=name`);
		expect(ids(page)).toEqual([made.blueMug?.id, made.cheapSock?.id]);
	});

	it("filters by price range, stock and options on the same variant", async () => {
		const q = (s: string) => listPage(`category=${root.slug}&${s}`).then(ids);
		expect(await q("minPrice=1000&maxPrice=2550")).toEqual([made.redShirt?.id]);
		expect(await q("maxPrice=900&sort=price_asc")).toEqual([
			made.cheapSock?.id,
			made.blueMug?.id,
		]);
		expect(new Set(await q("inStock=true"))).toEqual(
			new Set([made.redShirt?.id, made.cheapSock?.id]),
		);
		expect(new Set(await q("option.color=blue"))).toEqual(
			new Set([made.redShirt?.id, made.blueMug?.id]),
		);
		// The shirt's blue variant is out of stock: no single variant is blue and in stock.
		expect(await q("option.Color=Blue&inStock=true")).toEqual([]);
		expect(
			new Set(await q("option.color=red&option.color=blue&sort=name")),
		).toEqual(new Set([made.redShirt?.id, made.blueMug?.id]));
		expect(await q("option.size=xl")).toEqual([]);
	});

	it("ignores unknown parameters: tracking links and page numbers never empty the list", async () => {
		const all = new Set(ids(await listPage(`category=${root.slug}`)));
		expect(all.size).toBe(3);
		for (const extra of [
			"utm_source=newsletter&utm_medium=email",
			"fbclid=IwAR0abc",
			"page=2",
			"bad%20key=1",
			`gclid=${"x".repeat(300)}`,
			"color=blue",
		]) {
			const res = await call(`/v1/products?category=${root.slug}&${extra}`);
			expect(res.status, extra).toBe(200);
			const page = (await res.json()) as { data: { id: string }[] };
			expect(new Set(ids(page)), extra).toEqual(all);
		}
	});

	it("sorts by price, name and newest", async () => {
		const q = (sort: string) =>
			listPage(`category=${root.slug}&sort=${sort}`).then(ids);
		expect(await q("price_asc")).toEqual([
			made.cheapSock?.id,
			made.blueMug?.id,
			made.redShirt?.id,
		]);
		expect(await q("price_desc")).toEqual([
			made.redShirt?.id,
			made.blueMug?.id,
			made.cheapSock?.id,
		]);
		expect(await q("name")).toEqual([
			made.blueMug?.id,
			made.cheapSock?.id,
			made.redShirt?.id,
		]);
		expect(await q("newest")).toEqual([
			made.cheapSock?.id,
			made.blueMug?.id,
			made.redShirt?.id,
		]);
	});

	it("searches names over descriptions, stemming words, never showing drafts", async () => {
		const page = await listPage(`q=${word}`);
		expect(ids(page)).toEqual([made.redShirt?.id, made.blueMug?.id]);
		const stemmed = await listPage(`q=${encodeURIComponent(`${word} shirts`)}`);
		expect(ids(stemmed)).toEqual([made.redShirt?.id]);
		const excluded = await listPage(`q=${encodeURIComponent(`${word} -mug`)}`);
		expect(ids(excluded)).toEqual([made.redShirt?.id]);
	});

	it("treats hostile search input as plain words, never a 500", async () => {
		const hostile = [
			`"unterminated ${word}`,
			"&|!:*()<>",
			"'; drop table products; --",
			`${word}:* & !`,
			"\\",
			"ñandú 🛒 中文 ￿",
			`${"x".repeat(3000)} ${"y ".repeat(500)}`,
			"or 1=1 -- ' \" `",
		];
		for (const q of hostile) {
			const res = await call(`/v1/products?q=${encodeURIComponent(q)}`);
			expect(res.status, q.slice(0, 40)).toBe(200);
		}
		const tooLong = await call(`/v1/products?q=${"z".repeat(4097)}`);
		await expectError(tooLong, 400, "VALIDATION_FAILED");
		// Text Postgres cannot store is refused, not silently changed (see text-input.test.ts).
		const nul = await call(`/v1/products?q=${encodeURIComponent("a\u0000b")}`);
		await expectError(nul, 400, "VALIDATION_FAILED");
	});

	it("rejects bad parameters with 400", async () => {
		for (const query of [
			"limit=0",
			"limit=101",
			"limit=2.5",
			"minPrice=-1",
			"maxPrice=1e3",
			"sort=cheapest",
			"inStock=yes",
			"category=Bad Slug",
			"option.bad%20key=1",
			"option.=1",
			`option.color=${"x".repeat(101)}`,
			Array.from({ length: 9 }, (_, i) => `option.o${i}=1`).join("&"),
		]) {
			await expectError(
				await call(`/v1/products?${query}`),
				400,
				"VALIDATION_FAILED",
			);
		}
	});

	it("answers 400 INVALID_CURSOR for tampered cursors", async () => {
		const page = await listPage(`category=${root.slug}&limit=1&sort=name`);
		const cursor = page.nextCursor ?? "";
		const edited = btoa(
			JSON.stringify({ s: "name", n: "x", id: "not-a-uuid" }),
		).replace(/=+$/, "");
		for (const bad of [
			"garbage!!",
			`${cursor.slice(0, -3)}`,
			edited,
			btoa("[1,2]"),
		]) {
			await expectError(
				await call(
					`/v1/products?category=${root.slug}&sort=name&cursor=${bad}`,
				),
				400,
				"INVALID_CURSOR",
			);
		}
		// A cursor minted for one sort is refused by another.
		await expectError(
			await call(
				`/v1/products?category=${root.slug}&sort=newest&cursor=${cursor}`,
			),
			400,
			"INVALID_CURSOR",
		);
	});

	it("caches list pages: a hit costs 0 round trips", async () => {
		const path = `/v1/products?category=${root.slug}&limit=7`;
		const miss = await call(path);
		expect(dbRoundTrips(miss)).toBe(1);
		const hit = await untilCached(path);
		expect(dbRoundTrips(hit)).toBe(0);
		// Parameter order does not matter for the cache key.
		const reordered = await call(`/v1/products?limit=7&category=${root.slug}`);
		expect(dbRoundTrips(reordered)).toBe(0);
	});
});

describe("GET /v1/products pagination", () => {
	it.each(["newest", "name", "price_asc", "price_desc", "relevance"])(
		"walks every product exactly once by %s while products are inserted",
		async (sort) => {
			const cat = await createCategory();
			const tag = `walk${unique().replace(/\d/g, "k")}`;
			const initial = new Set<string>();
			for (let i = 0; i < 11; i++) {
				const p = await createProduct(cat.id, {
					// Duplicate names and prices make the id tie-breaker do its job.
					name: `${tag} item ${i % 3}`,
					description: i % 2 ? `${tag} ${tag}` : "plain",
					variants: [{ price: 100 * (i % 4) }],
				});
				initial.add(p.id);
			}
			const inserted = new Set<string>();
			const seen: string[] = [];
			let cursor: string | null = null;
			let pages = 0;
			do {
				const query: string = `${sort === "relevance" ? `q=${tag}` : `category=${cat.slug}`}&sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
				const page = await listPage(query);
				seen.push(...ids(page));
				cursor = page.nextCursor;
				if (pages++ < 2) {
					const p = await createProduct(cat.id, {
						name: `${tag} late ${pages}`,
						variants: [{ price: 150 }],
					});
					inserted.add(p.id);
				}
			} while (cursor && pages < 20);

			expect(new Set(seen).size).toBe(seen.length);
			for (const id of initial) expect(seen).toContain(id);
			for (const id of seen)
				expect(initial.has(id) || inserted.has(id)).toBe(true);
		},
	);
});
