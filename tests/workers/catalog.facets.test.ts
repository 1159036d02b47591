import { beforeAll, describe, expect, it } from "vitest";
import { createCategory, createProduct, unique } from "./helpers/catalog";
import { call, dbRoundTrips } from "./helpers/http";

interface Card {
	id: string;
	price: { min: number };
	inStock: boolean;
}
interface Facets {
	categories: { id: string; slug: string; name: string; count: number }[];
	options: { name: string; values: { value: string; count: number }[] }[];
	price: { min: number; max: number | null; count: number }[];
	availability: { inStock: number; outOfStock: number };
}
interface FacetedPage {
	data: Card[];
	nextCursor: string | null;
	total: number;
	facets: Facets;
}
interface Detail {
	category: { id: string };
	variants: { options: Record<string, string> }[];
}

/** A catalog of our own: a root with two sub-categories, so counts see only these products. */
let root: { id: string; slug: string };
let shirts: { id: string; slug: string };
let word: string;

beforeAll(async () => {
	root = await createCategory();
	shirts = await createCategory({ parentId: root.id });
	const mugs = await createCategory({ parentId: root.id });
	word = `fzz${unique().replace(/\d/g, "x")}`;
	const color = (values: string[]) => ({ name: "Color", values });
	await createProduct(shirts.id, {
		name: `Two colour ${word} shirt`,
		options: [color(["Red", "Blue"])],
		variants: [
			{ price: 1500, onHand: 3, options: { Color: "Red" } },
			{ price: 1600, onHand: 0, options: { Color: "Blue" } },
		],
	});
	await createProduct(shirts.id, {
		name: "Red shirt",
		options: [color(["Red"])],
		variants: [{ price: 800, onHand: 0, options: { Color: "Red" } }],
	});
	await createProduct(shirts.id, {
		name: `Blue ${word} tee`,
		options: [color(["Blue"]), { name: "Size", values: ["M"] }],
		variants: [
			{ price: 2500, onHand: 0, options: { Color: "Blue", Size: "M" } },
		],
	});
	await createProduct(mugs.id, {
		name: "Sized mug",
		options: [{ name: "Size", values: ["S", "M"] }],
		variants: [
			{ price: 3000, onHand: 1, options: { Size: "S" } },
			{ price: 3200, onHand: 1, options: { Size: "M" } },
		],
	});
	await createProduct(mugs.id, {
		name: "Big mug",
		variants: [{ price: 12000, onHand: 5 }],
	});
	await createProduct(mugs.id, { name: `Draft ${word}`, status: "draft" });
});

const BUCKETS: [number, number | null][] = [
	[0, 1000],
	[1000, 2500],
	[2500, 5000],
	[5000, 10000],
	[10000, null],
];

/** What the facets should say, counted one product at a time from the cards and product pages. */
async function bruteForce(cards: Card[]): Promise<
	Omit<Facets, "categories"> & {
		categories: Record<string, number>;
	}
> {
	const categories: Record<string, number> = {};
	const options: Record<string, Record<string, number>> = {};
	for (const card of cards) {
		const detail = (await (
			await call(`/v1/products/${card.id}`)
		).json()) as Detail;
		const cat = detail.category.id;
		categories[cat] = (categories[cat] ?? 0) + 1;
		const values = new Set(
			detail.variants.flatMap((v) =>
				Object.entries(v.options).map(([k, val]) =>
					JSON.stringify([k.toLowerCase(), val.toLowerCase()]),
				),
			),
		);
		for (const pair of values) {
			const [name, value] = JSON.parse(pair) as [string, string];
			options[name] ??= {};
			options[name][value] = (options[name][value] ?? 0) + 1;
		}
	}
	return {
		categories,
		options: Object.entries(options)
			.sort(([a], [b]) => (a < b ? -1 : 1))
			.map(([name, counts]) => ({
				name,
				values: Object.entries(counts)
					.map(([value, count]) => ({ value, count }))
					.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
			})),
		price: BUCKETS.map(([min, max]) => ({
			min,
			max,
			count: cards.filter(
				(c) => c.price.min >= min && (max === null || c.price.min < max),
			).length,
		})),
		availability: {
			inStock: cards.filter((c) => c.inStock).length,
			outOfStock: cards.filter((c) => !c.inStock).length,
		},
	};
}

describe("GET /v1/products?facets=true", () => {
	const matrix = () => [
		"",
		"inStock=true",
		"inStock=false",
		"option.color=red",
		"option.color=red&option.color=blue",
		"option.color=blue&inStock=true",
		"option.size=m",
		"minPrice=1000&maxPrice=3000",
		`q=${word}`,
		`q=${word}&option.color=blue`,
		`category=${shirts.slug}`,
		"minPrice=999999",
	];

	it("counts equal a brute-force count under every filter combination, pages stay gapless", async () => {
		for (const filters of matrix()) {
			const scope = filters.startsWith("category=")
				? ""
				: `category=${root.slug}&`;
			const base = `/v1/products?facets=true&limit=2&${scope}${filters}`;
			const cards: Card[] = [];
			let first: FacetedPage | undefined;
			let cursor: string | null = null;
			do {
				const res = await call(
					cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base,
				);
				expect(res.status, filters).toBe(200);
				expect(dbRoundTrips(res), filters).toBe(1);
				const page = (await res.json()) as FacetedPage;
				first ??= page;
				// Facets describe everything matched, so every page carries the same ones.
				expect(page.total, filters).toBe(first.total);
				expect(page.facets, filters).toEqual(first.facets);
				cards.push(...page.data);
				cursor = page.nextCursor;
			} while (cursor);
			if (!first) throw new Error("no page");
			expect(new Set(cards.map((c) => c.id)).size, filters).toBe(cards.length);
			expect(first.total, filters).toBe(cards.length);
			const expected = await bruteForce(cards);
			expect(
				Object.fromEntries(first.facets.categories.map((c) => [c.id, c.count])),
				filters,
			).toEqual(expected.categories);
			expect(first.facets.options, filters).toEqual(expected.options);
			expect(first.facets.price, filters).toEqual(expected.price);
			expect(first.facets.availability, filters).toEqual(expected.availability);
		}
	});

	it("is absent without facets=true", async () => {
		const res = await call(`/v1/products?category=${root.slug}`);
		const page = (await res.json()) as Partial<FacetedPage>;
		expect(page.total).toBeUndefined();
		expect(page.facets).toBeUndefined();
	});
});
