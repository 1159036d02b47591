/**
 * `npm run explain`: how PostgreSQL reads `products` and `variants` for the search and
 * faceted-list statements, exactly as the Worker builds them (listProductsSql, facetsSql,
 * suggestSql), on the seeded catalog (240 products) and on a generated large one (20,000 by
 * default), each in its own fresh database, after ANALYZE.
 *
 * For every statement it runs EXPLAIN (ANALYZE, FORMAT JSON) with the planner's natural choices
 * and lists each scan of products/variants (node type and index); on the small catalog it also
 * plans with enable_seqscan = off, to show the index-backed plan exists and what it costs there.
 *
 *   EXPLAIN_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   (fresh databases on that
 *   server are created and dropped; default: a throwaway embedded PostgreSQL 17)
 *   EXPLAIN_LARGE=20000   (products in the large catalog; 0 skips it)
 */
import type { SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import { startEmbeddedPostgres } from "../dev/embedded-postgres";
import { MIGRATIONS_FOLDER } from "../dev/migrate";
import { type SeedDb, seedCatalog } from "../dev/seed-catalog";
import { createFreshPostgresDatabase } from "../dev/stack";
import * as schema from "../src/db/schema";
import { facetsSql } from "../src/modules/catalog/facets.queries";
import {
	type ListFilters,
	listProductsSql,
} from "../src/modules/catalog/product-list.queries";
import { searchQuery, suggestSql } from "../src/modules/catalog/search.queries";

const LARGE = Number(process.env.EXPLAIN_LARGE ?? 20_000);
const WATCHED = new Set(["products", "variants"]);

interface PlanNode {
	"Node Type": string;
	"Relation Name"?: string;
	"Index Name"?: string;
	"Actual Rows"?: number;
	"Actual Loops"?: number;
	"Rows Removed by Filter"?: number;
	Plans?: PlanNode[];
}

const list = (q: string, more: Partial<ListFilters> = {}) =>
	listProductsSql({ q, options: {}, ...more }, "relevance", 24, undefined);

/** The statements, built from the seeded catalog's vocabulary (names like "Organic T Shirt 123"). */
function statements(exactName: string): [string, SQL][] {
	const suggest = (q: string) => suggestSql(q, searchQuery(q) as SQL);
	return [
		["search exact name", list(exactName)],
		["search hyphenated 't-shirt'", list("t-shirt")],
		["search prefix 'sanda'", list("sanda")],
		["search typo 'sandel'", list("sandel")],
		[
			"faceted list category=apparel (root)",
			facetsSql({ category: "apparel", options: {} }),
		],
		[
			"faceted list category=sandals (leaf)",
			facetsSql({ category: "sandals", options: {} }),
		],
		["faceted search q=shirt", facetsSql({ q: "shirt", options: {} })],
		[
			"filtered list (price, stock, colour)",
			listProductsSql(
				{
					category: "apparel",
					minPrice: 1000,
					maxPrice: 10_000,
					inStock: true,
					options: { color: ["black"] },
				},
				"price_asc",
				24,
				undefined,
			),
		],
		["suggest 'sand'", suggest("sand")],
	];
}

/**
 * Every scan node of a watched table, as "Node Type on table using index"; a sequential scan
 * also says how many rows it read (an EXISTS probe stops at its first match).
 */
function scans(node: PlanNode, out: string[] = []): string[] {
	const table = node["Relation Name"];
	const index = node["Index Name"];
	if (/Scan/.test(node["Node Type"])) {
		const onWatched =
			(table && WATCHED.has(table)) ||
			(index && /^(products|variants)_/.test(index));
		const read =
			((node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0)) *
			(node["Actual Loops"] ?? 1);
		if (onWatched)
			out.push(
				`${node["Node Type"]}${table ? ` on ${table}` : ""}${index ? ` using ${index}` : ""}${node["Node Type"] === "Seq Scan" ? ` (read ${read} rows)` : ""}`,
			);
	}
	for (const child of node.Plans ?? []) scans(child, out);
	return out;
}

const dialect = new PgDialect({ casing: "snake_case" });

async function explain(
	client: pg.PoolClient,
	statement: SQL,
): Promise<{ scans: string[]; ms: number; cost: number }> {
	const query = dialect.sqlToQuery(statement);
	const { rows } = await client.query<{ "QUERY PLAN": unknown }>(
		`explain (analyze, format json) ${query.sql}`,
		query.params,
	);
	const [result] = (rows[0]?.["QUERY PLAN"] ?? []) as {
		Plan: PlanNode & { "Total Cost": number };
		"Execution Time": number;
	}[];
	if (!result) throw new Error("no plan");
	return {
		scans: [...new Set(scans(result.Plan))],
		ms: result["Execution Time"],
		cost: result.Plan["Total Cost"],
	};
}

async function catalogOf(serverUrl: string, productCount: number) {
	const fresh = await createFreshPostgresDatabase(
		serverUrl,
		`voidshop_explain_${productCount}_${Date.now()}`,
	);
	const pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
	const db = drizzle({ client: pool, schema, casing: "snake_case" });
	await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
	const started = Date.now();
	await seedCatalog(db as unknown as SeedDb, { productCount });
	// VACUUM, not only ANALYZE: a bulk load leaves new GIN entries in the index's pending list,
	// which the planner (rightly) prices high until a vacuum (autovacuum, in production) merges it.
	await pool.query("vacuum analyze");
	const { rows } = await pool.query<{ products: number; variants: number }>(
		`select (select count(*) from products)::int as products,
			(select count(*) from variants)::int as variants`,
	);
	console.log(
		`\n== ${rows[0]?.products} products, ${rows[0]?.variants} variants (seeded and analyzed in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
	);
	return {
		pool,
		close: async () => {
			await pool.end();
			await fresh.drop();
		},
	};
}

async function report(pool: pg.Pool, forced: boolean): Promise<number> {
	const { rows } = await pool.query<{ name: string }>(
		"select name from products where status = 'active' order by slug limit 1",
	);
	const client = await pool.connect();
	let fullScans = 0;
	try {
		for (const settings of forced ? [false, true] : [false]) {
			if (settings) {
				await client.query("set enable_seqscan = off");
				console.log("-- with enable_seqscan = off (the index-backed plan):");
			}
			for (const [name, statement] of statements(rows[0]?.name ?? "")) {
				// Warm once so the figure is a steady-state execution, not a cold cache.
				await explain(client, statement);
				const plan = await explain(client, statement);
				if (!settings)
					fullScans += plan.scans.filter(
						(s) => /^Seq Scan/.test(s) && !/\(read \d{1,2} rows\)/.test(s),
					).length;
				console.log(
					`${name.padEnd(38)} ${plan.ms.toFixed(2).padStart(7)} ms  cost ${plan.cost.toFixed(0).padStart(6)}  ${plan.scans.join("; ")}`,
				);
			}
		}
	} finally {
		await client.query("reset enable_seqscan");
		client.release();
	}
	return fullScans;
}

async function main(): Promise<void> {
	const server = process.env.EXPLAIN_DATABASE_URL
		? { url: process.env.EXPLAIN_DATABASE_URL, close: async () => {} }
		: await startEmbeddedPostgres({ log: () => {} });
	try {
		const small = await catalogOf(server.url, 240);
		try {
			const n = await report(small.pool, true);
			console.log(
				`natural plans on the seed: ${n} sequential scan(s) of products/variants reading 100 rows or more`,
			);
		} finally {
			await small.close();
		}
		if (LARGE > 0) {
			const large = await catalogOf(server.url, LARGE);
			try {
				const n = await report(large.pool, true);
				console.log(
					`natural plans on ${LARGE} products: ${n} sequential scan(s) of products/variants reading 100 rows or more`,
				);
			} finally {
				await large.close();
			}
		}
	} finally {
		await server.close();
	}
}

main().catch((err: unknown) => {
	console.error(err);
	process.exit(1);
});
