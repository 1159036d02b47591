import { type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { categories, images, products, variants } from "../../db/schema";
import type { Cursor, Sort } from "./cursor";
import { searchQuery, searchRank } from "./search.queries";
import { availableUnits, sellable } from "./stock.queries";

const v = alias(variants, "v");
const p = alias(products, "p");
/** A variant of product `p` that can be bought now: sellable and in stock. */
const buyable = sql`${sellable(v, p)} and ${availableUnits(v)} > 0`;

export interface ListFilters {
	q?: string;
	category?: string;
	minPrice?: number;
	maxPrice?: number;
	/** true: only products with a buyable variant; false: only products without one. */
	inStock?: boolean;
	/** Lower-cased option name → accepted lower-cased values (any of them). */
	options: Record<string, string[]>;
}

export interface ListRow {
	id: string;
	slug: string;
	name: string;
	price_min: number;
	price_max: number;
	currency: string;
	in_stock: boolean;
	/** Compare-at prices of the sellable variants on sale; null when none is. */
	compare_at: { min: number; max: number } | null;
	image: {
		key: string;
		alt: string;
		width: number | null;
		height: number | null;
	} | null;
	created_us: string;
	rank: number | null;
}

/**
 * All variant-level filters must hold for the SAME variant. Written as a correlated
 * `(select … limit 1)` rather than EXISTS on purpose: the LIMIT keeps the planner from turning
 * it into a hash semi-join over a sequential scan of variants, so each product the sort
 * index yields costs one probe of variants_product_price_idx and the scan stops once the
 * page is full.
 */
function variantFilter(f: ListFilters): SQL | undefined {
	const conditions: SQL[] = [];
	if (f.minPrice !== undefined) conditions.push(sql`v.price >= ${f.minPrice}`);
	if (f.maxPrice !== undefined) conditions.push(sql`v.price <= ${f.maxPrice}`);
	if (f.inStock === true) conditions.push(buyable);
	for (const [name, values] of Object.entries(f.options)) {
		const any = values.map(
			(value) =>
				sql`v.options_search @> ${JSON.stringify({ [name]: value })}::jsonb`,
		);
		conditions.push(sql`(${sql.join(any, sql` or `)})`);
	}
	if (conditions.length === 0) return undefined;
	return sql`(select true from ${variants} v where v.product_id = p.id and ${sellable(v, p)} and ${sql.join(conditions, sql` and `)} limit 1)`;
}

function keyset(sort: Sort, cursor: Cursor, rank: SQL): SQL {
	switch (cursor.s) {
		case "newest":
			return sql`(p.created_at, p.id) < (timestamptz 'epoch' + ${cursor.t}::bigint * interval '1 microsecond', ${cursor.id}::uuid)`;
		case "price_asc":
		case "price_desc":
			return sort === "price_asc"
				? sql`(p.price_min, p.id) > (${cursor.p}::int, ${cursor.id}::uuid)`
				: sql`(p.price_min, p.id) < (${cursor.p}::int, ${cursor.id}::uuid)`;
		case "name":
			return sql`(p.name, p.id) > (${cursor.n}::text, ${cursor.id}::uuid)`;
		case "relevance":
			return sql`(${rank}, p.id) < (${cursor.r}::real, ${cursor.id}::uuid)`;
	}
}

const ORDER: Record<Sort, SQL> = {
	newest: sql`p.created_at desc, p.id desc`,
	price_asc: sql`p.price_min asc, p.id asc`,
	price_desc: sql`p.price_min desc, p.id desc`,
	name: sql`p.name asc, p.id asc`,
	relevance: sql`rank desc, p.id desc`,
};

/**
 * The whole product-list page in one statement: filters, keyset, and per-card in-stock flag
 * and primary image as correlated index lookups on the page's rows only. Fetches limit + 1
 * rows to know whether another page exists.
 */
export function listProductsSql(
	filters: ListFilters,
	sort: Sort,
	limit: number,
	cursor: Cursor | undefined,
): SQL {
	const tsquery = filters.q ? searchQuery(filters.q) : undefined;
	const rank =
		filters.q && tsquery
			? searchRank(filters.q, sql`(select q from search)`, "p")
			: sql`null::real`;
	const where = listWhere(filters, tsquery);
	if (cursor) where.push(keyset(sort, cursor, rank));

	return sql`${tsquery ? sql`with search as materialized (select ${tsquery} as q) ` : sql``}select p.id, p.slug, p.name, p.price_min, p.price_max, p.currency,
		coalesce((select true from ${variants} v where v.product_id = p.id and ${buyable} limit 1), false) as in_stock,
		(select json_build_object('min', min(v.compare_at_price), 'max', max(v.compare_at_price))
			from ${variants} v where v.product_id = p.id and ${sellable(v, p)} and v.compare_at_price is not null
			having count(*) > 0) as compare_at,
		(select json_build_object('key', i.key, 'alt', i.alt, 'width', i.width, 'height', i.height)
			from ${images} i where i.product_id = p.id order by i.position, i.id limit 1) as image,
		(extract(epoch from p.created_at) * 1000000)::bigint::text as created_us,
		${rank} as rank
	from ${products} p
	where ${sql.join(where, sql` and `)}
	order by ${ORDER[sort]}
	limit ${limit + 1}`;
}

/**
 * The conditions every list filter adds on products `p` (the page's keyset aside), shared by the
 * page and its facets. With `q`, the statement must define the CTE `search(q)`; a `q` without
 * any word (only punctuation) matches nothing.
 */
export function listWhere(
	filters: ListFilters,
	tsquery: SQL | undefined,
): SQL[] {
	const where: SQL[] = [sql`p.status = 'active'`, sql`p.price_min is not null`];
	if (filters.q)
		where.push(tsquery ? sql`p.search @@ (select q from search)` : sql`false`);
	if (filters.category)
		// `= any(array(…))`, not `in (…)`: the subtree becomes one array computed once, which
		// products_category_idx can take; as a semi-join, the recursive CTE's row estimate (ten
		// times its seed) made every product look like a match and the plan a sequential scan.
		where.push(sql`p.category_id = any(array(
			with recursive subtree as (
				select id from ${categories} where slug = ${filters.category}
				union
				select c.id from ${categories} c join subtree s on c.parent_id = s.id
			)
			select id from subtree))`);
	const variantMatch = variantFilter(filters);
	if (variantMatch) where.push(variantMatch);
	if (filters.inStock === false)
		where.push(
			sql`not coalesce((select true from ${variants} v where v.product_id = p.id and ${buyable} limit 1), false)`,
		);
	return where;
}

/** The keyset of the last row shown, for the next page's cursor. */
export function cursorFor(sort: Sort, row: ListRow): Cursor {
	switch (sort) {
		case "newest":
			return { s: sort, t: Number(row.created_us), id: row.id };
		case "price_asc":
		case "price_desc":
			return { s: sort, p: row.price_min, id: row.id };
		case "name":
			return { s: sort, n: row.name, id: row.id };
		case "relevance":
			return { s: sort, r: row.rank ?? 0, id: row.id };
	}
}
