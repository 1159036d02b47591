/**
 * A realistic, deterministic demo catalog: 18 categories in two levels, 240 products (some
 * draft/archived), ~1,300 variants over sizes and colours with varied prices and stock
 * (out-of-stock and low-stock included), initial-stock ledger rows and generated PNG images.
 *
 *   npm run seed            # into the running dev stack (ports from .dev.vars), images into
 *                           # the local R2 that `wrangler dev` reads (.wrangler/state)
 *
 * `seedCatalog(db, …)` is what the dev runner and the bench call; it skips a non-empty catalog.
 */
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/neon-serverless";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "../src/db/schema";
import { type DbTarget, openPool, scriptTarget } from "./neon-pool";
import {
	ADJECTIVES,
	COLOURS,
	generatePng,
	prng,
	SIZED,
	SIZES,
	seededUuid,
	slugify,
	TREE,
} from "./seed-data";

const {
	categories,
	images,
	inventoryLedger,
	productOptions,
	products,
	variants,
} = schema;

export type SeedDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/** Where generated image bytes go (the local R2 bucket, or nowhere). */
export interface ImageSink {
	put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
}

export interface SeedResult {
	categories: number;
	products: number;
	variants: number;
	images: number;
}

async function insertChunked<T>(
	rows: T[],
	insert: (chunk: T[]) => Promise<unknown>,
) {
	for (let i = 0; i < rows.length; i += 200)
		await insert(rows.slice(i, i + 200));
}

/** Loads the demo catalog unless products already exist. Same seed, same catalog. */
export async function seedCatalog(
	db: SeedDb,
	opts: {
		images?: ImageSink;
		seed?: number;
		productCount?: number;
		log?: (line: string) => void;
	} = {},
): Promise<SeedResult | "skipped"> {
	const existing = await db
		.select({ n: sql<number>`count(*)::int` })
		.from(products);
	if ((existing[0]?.n ?? 0) > 0) {
		opts.log?.("catalog already has products; seed skipped");
		return "skipped";
	}
	const rand = prng(opts.seed ?? 20_261_122);
	const epoch = Date.UTC(2026, 0, 1);
	let clock = epoch;
	const id = () => {
		clock += rand.int(1, 60_000);
		return seededUuid(rand, clock);
	};

	const categoryRows: (typeof categories.$inferInsert)[] = [];
	const leaves: { id: string; name: string }[] = [];
	Object.entries(TREE).forEach(([rootName, children], i) => {
		const rootId = id();
		categoryRows.push({
			id: rootId,
			slug: slugify(rootName),
			name: rootName,
			position: i,
			description: `All ${rootName.toLowerCase()}`,
		});
		children.forEach((name, j) => {
			const childId = id();
			categoryRows.push({
				id: childId,
				parentId: rootId,
				slug: slugify(name),
				name,
				position: j,
				description: `${name} for every day`,
			});
			leaves.push({ id: childId, name });
		});
	});

	const productRows: (typeof products.$inferInsert)[] = [];
	const optionRows: (typeof productOptions.$inferInsert)[] = [];
	const variantRows: (typeof variants.$inferInsert)[] = [];
	const ledgerRows: (typeof inventoryLedger.$inferInsert)[] = [];
	const imageRows: (typeof images.$inferInsert)[] = [];
	const blobs = new Map<string, Uint8Array>();
	const count = opts.productCount ?? 240;
	for (let n = 0; n < count; n++) {
		const leaf = leaves[n % leaves.length] as { id: string; name: string };
		const noun = leaf.name.replace(/s$/, "").replace(/-/g, " ");
		const name = `${rand.pick(ADJECTIVES)} ${noun} ${100 + n}`;
		const productId = id();
		const createdAt = new Date(
			epoch + rand.int(0, 300) * 86_400_000 + n * 1000,
		);
		const roll = rand.next();
		productRows.push({
			id: productId,
			slug: slugify(name),
			name,
			description: `A ${rand.pick(["soft", "durable", "handmade", "water-resistant", "breathable"])} ${noun.toLowerCase()} in ${rand.pick(["cotton", "wool", "canvas", "stoneware", "recycled polyester"])}. Ships in ${rand.int(1, 5)} days.`,
			status: roll < 0.05 ? "draft" : roll < 0.08 ? "archived" : "active",
			categoryId: leaf.id,
			tags: [slugify(noun), rand.pick(["new", "bestseller", "sale", "eco"])],
			currency: "EUR",
			createdAt,
			updatedAt: createdAt,
		});
		const colours = Object.keys(COLOURS)
			.sort(() => rand.next() - 0.5)
			.slice(0, rand.int(2, 4));
		const sizes = SIZED.has(leaf.name)
			? SIZES.slice(rand.int(0, 1), rand.int(3, 5))
			: [];
		const productOpts = [
			{ name: "Color", values: colours },
			...(sizes.length ? [{ name: "Size", values: sizes }] : []),
		];
		for (const [position, o] of productOpts.entries())
			optionRows.push({
				id: id(),
				productId,
				name: o.name,
				position,
				values: o.values,
			});

		const base = rand.int(5, 200) * 100 - 1;
		let position = 0;
		for (const colour of colours)
			for (const size of sizes.length ? sizes : [undefined]) {
				const stockRoll = rand.next();
				const onHand =
					stockRoll < 0.15
						? 0
						: stockRoll < 0.3
							? rand.int(1, 5)
							: rand.int(6, 200);
				const variantId = id();
				const price = base + (size === "XL" ? 200 : 0);
				variantRows.push({
					id: variantId,
					productId,
					sku: `${slugify(noun).slice(0, 6).toUpperCase()}-${100 + n}-${colour.slice(0, 3).toUpperCase()}${size ? `-${size}` : ""}`,
					options: size ? { Color: colour, Size: size } : { Color: colour },
					price,
					compareAtPrice:
						rand.next() < 0.2 ? price + rand.int(5, 40) * 100 : null,
					currency: "EUR",
					onHand,
					position: position++,
				});
				if (onHand > 0)
					ledgerRows.push({
						id: id(),
						variantId,
						delta: onHand,
						onHandAfter: onHand,
						reason: "initial stock",
					});
			}
		for (let i = 0; i < rand.int(1, 3); i++) {
			const colour = COLOURS[colours[i % colours.length] as string] ?? [
				0, 0, 0,
			];
			const bytes = generatePng(colour, [
				(n * 37) % 256,
				(n * 91 + i * 50) % 256,
				(n * 13) % 256,
			]);
			const key = `${createHash("sha256").update(bytes).digest("hex")}.png`;
			blobs.set(key, bytes);
			imageRows.push({
				id: id(),
				productId,
				key,
				alt: `${name}, view ${i + 1}`,
				position: i,
				width: 64,
				height: 64,
				contentType: "image/png",
				byteSize: bytes.length,
			});
		}
	}

	await db.insert(categories).values(categoryRows);
	await insertChunked(productRows, (c) => db.insert(products).values(c));
	await insertChunked(optionRows, (c) => db.insert(productOptions).values(c));
	await insertChunked(variantRows, (c) => db.insert(variants).values(c));
	await insertChunked(ledgerRows, (c) => db.insert(inventoryLedger).values(c));
	await insertChunked(imageRows, (c) => db.insert(images).values(c));
	await db.execute(sql`update products p set price_min = r.lo, price_max = r.hi
		from (select product_id, min(price) as lo, max(price) as hi from variants where status = 'active' group by product_id) r
		where p.id = r.product_id`);
	await db.execute(sql`analyze`);
	if (opts.images)
		for (const [key, bytes] of blobs)
			await opts.images.put(key, bytes, "image/png");
	const result = {
		categories: categoryRows.length,
		products: productRows.length,
		variants: variantRows.length,
		images: imageRows.length,
	};
	opts.log?.(
		`seeded ${result.categories} categories, ${result.products} products, ${result.variants} variants, ${result.images} images (${blobs.size} R2 objects${opts.images ? "" : ", not uploaded"})`,
	);
	return result;
}

/** The local R2 bucket `wrangler dev` uses (persisted under .wrangler/state), via Miniflare. */
export async function localR2Sink(persistRoot: string) {
	const { Miniflare } = await import("miniflare");
	const mf = new Miniflare({
		modules: true,
		script:
			"export default { fetch() { return new Response(null, { status: 204 }) } }",
		r2Buckets: { IMAGES: "voidshop-images" },
		defaultPersistRoot: persistRoot,
	});
	// Miniflare's R2 type is its own copy of workers-types; only put() is used.
	const bucket = (await mf.getR2Bucket("IMAGES")) as unknown as {
		put(
			key: string,
			value: Uint8Array,
			options: { httpMetadata: { contentType: string } },
		): Promise<unknown>;
	};
	const sink: ImageSink & { close(): Promise<void> } = {
		put: async (key, bytes, contentType) => {
			await bucket.put(key, bytes, { httpMetadata: { contentType } });
		},
		close: () => mf.dispose(),
	};
	return sink;
}

/** Seeds the running local stack's database, with images in the local R2 `wrangler dev` reads. */
export async function seedLocalCatalog(
	target: DbTarget,
	log: (line: string) => void = console.log,
): Promise<SeedResult | "skipped"> {
	const pool = openPool(target);
	const images = await localR2Sink(
		fileURLToPath(new URL("../.wrangler/state/v3", import.meta.url)),
	);
	try {
		const db = drizzle({ client: pool, schema, casing: "snake_case" });
		return await seedCatalog(db as unknown as SeedDb, { images, log });
	} finally {
		await images.close();
		await pool.end();
	}
}

async function main(): Promise<void> {
	await seedLocalCatalog(scriptTarget(false));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	main().catch((err: unknown) => {
		console.error(err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
