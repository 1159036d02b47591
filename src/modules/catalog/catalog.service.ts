import { sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { categories } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { imageUrl } from "../../lib/image-url";
import { keysetPage } from "../../lib/keyset-cursor";
import type { CategoryTreeNode } from "./catalog.schemas";
import { decodeCursor, type Sort } from "./cursor";
import { type FacetsRow, facetsSql } from "./facets.queries";
import {
	type DetailRow,
	priceRange,
	productDetailSql,
} from "./product-detail.queries";
import {
	cursorFor,
	type ListFilters,
	type ListRow,
	listProductsSql,
} from "./product-list.queries";
import {
	SUGGESTIONS,
	type SuggestRow,
	searchQuery,
	suggestSql,
} from "./search.queries";

interface ListParams extends ListFilters {
	facets?: boolean;
	sort?: Sort;
	limit: number;
	cursor?: string;
}

/** A product-list page in one round trip. Relevance without `q` means newest. */
export async function listProducts(db: Db, params: ListParams) {
	const sort: Sort =
		params.sort === "relevance" || params.sort === undefined
			? params.q
				? "relevance"
				: "newest"
			: params.sort;
	const cursor = params.cursor ? decodeCursor(params.cursor, sort) : undefined;
	// The category's existence and the facets ride in the same round trip as the page, so an
	// unknown slug is a 404 rather than an empty page.
	const pageSql = listProductsSql(params, sort, params.limit, cursor);
	let rows: ListRow[];
	let counts: FacetsRow | undefined;
	if (params.category || params.facets) {
		const { found, list, facets } = await batch(db, {
			found: params.category
				? db.execute<{ found: boolean }>(
						sql`select exists (select 1 from ${categories} where slug = ${params.category}) as found`,
					)
				: undefined,
			list: db.execute<ListRow & Record<string, unknown>>(pageSql),
			facets: params.facets
				? db.execute<FacetsRow & Record<string, unknown>>(facetsSql(params))
				: undefined,
		});
		if (found && !found.rows[0]?.found)
			throw new ApiError("NOT_FOUND", "Category not found");
		rows = list.rows;
		counts = facets?.rows[0];
	} else
		rows = (await db.execute<ListRow & Record<string, unknown>>(pageSql)).rows;
	const page = keysetPage(rows, params.limit, (last) => cursorFor(sort, last));
	return {
		data: page.rows.map((row) => ({
			id: row.id,
			slug: row.slug,
			name: row.name,
			price: { min: row.price_min, max: row.price_max, currency: row.currency },
			inStock: row.in_stock,
			compareAtPrice: row.compare_at && {
				...row.compare_at,
				currency: row.currency,
			},
			onSale: row.compare_at !== null,
			image: row.image && { ...row.image, url: imageUrl(row.image.key) },
		})),
		nextCursor: page.nextCursor,
		...(counts && {
			total: counts.total,
			facets: {
				categories: counts.categories,
				options: counts.options,
				price: counts.price,
				availability: {
					inStock: counts.in_stock,
					outOfStock: counts.out_of_stock,
				},
			},
		}),
	};
}

/**
 * Up to 8 suggestions for a search box (categories first, at most 3 of them), in one round
 * trip; a `q` without words suggests nothing, without asking the database.
 */
export async function suggest(db: Db, params: { q: string }) {
	const tsquery = searchQuery(params.q);
	if (!tsquery) return { categories: [], products: [] };
	const { rows } = await db.execute<SuggestRow & Record<string, unknown>>(
		suggestSql(params.q, tsquery),
	);
	const { categories = [], products = [] } = rows[0] ?? {};
	return {
		categories,
		products: products.slice(0, SUGGESTIONS - categories.length),
	};
}

/** The public product page (active products and variants only) in one round trip. */
export async function getPublicProduct(db: Db, params: { idOrSlug: string }) {
	const { rows } = await db.execute<DetailRow>(
		productDetailSql(params.idOrSlug, true),
	);
	const p = rows[0];
	if (!p) throw new ApiError("NOT_FOUND", "Product not found");
	return {
		id: p.id,
		slug: p.slug,
		name: p.name,
		description: p.description,
		tags: p.tags,
		price: priceRange(p),
		category: p.category,
		breadcrumb: p.breadcrumb,
		options: p.options,
		variants: p.variants.map((v) => ({
			id: v.id,
			sku: v.sku,
			options: v.options,
			price: v.price,
			compareAtPrice: v.compareAtPrice,
			currency: v.currency,
			availability: v.availability,
			available: v.available,
		})),
		images: p.images.map((i) => ({
			id: i.id,
			url: imageUrl(i.key),
			key: i.key,
			alt: i.alt,
			width: i.width,
			height: i.height,
			variantId: i.variantId,
		})),
		createdAt: p.created_at,
		updatedAt: p.updated_at,
	};
}

/** The whole tree in one round trip, siblings ordered by position then name. */
export async function getCategoryTree(db: Db): Promise<CategoryTreeNode[]> {
	const rows = await db
		.select({
			id: categories.id,
			parentId: categories.parentId,
			slug: categories.slug,
			name: categories.name,
			description: categories.description,
			position: categories.position,
		})
		.from(categories)
		.orderBy(categories.position, categories.name, categories.id);
	const nodes = new Map(
		rows.map(({ parentId: _, ...r }): [string, CategoryTreeNode] => [
			r.id,
			{ ...r, children: [] },
		]),
	);
	const roots: CategoryTreeNode[] = [];
	for (const { id, parentId } of rows) {
		const node = nodes.get(id);
		const parent = parentId ? nodes.get(parentId) : undefined;
		if (node) (parent ? parent.children : roots).push(node);
	}
	return roots;
}

type CategoryDetail = {
	id: string;
	slug: string;
	name: string;
	description: string;
	position: number;
	breadcrumb: { id: string; slug: string; name: string }[];
	children: Omit<CategoryTreeNode, "children" | "description">[];
};

/** One category with its breadcrumb (root first, itself last) and children, in one round trip. */
export async function getCategory(db: Db, params: { slug: string }) {
	const { slug } = params;
	const { rows } =
		await db.execute<CategoryDetail>(sql`with recursive target as (
			select * from ${categories} where slug = ${slug}
		), crumbs as (
			select c.id, c.parent_id, c.slug, c.name, 0 as depth from ${categories} c join target t on c.id = t.id
			union all
			select c.id, c.parent_id, c.slug, c.name, k.depth + 1
			from ${categories} c join crumbs k on c.id = k.parent_id where k.depth < 32
		)
		select t.id, t.slug, t.name, t.description, t.position,
			(select json_agg(json_build_object('id', k.id, 'slug', k.slug, 'name', k.name) order by k.depth desc) from crumbs k) as breadcrumb,
			(select coalesce(json_agg(json_build_object('id', c.id, 'slug', c.slug, 'name', c.name, 'position', c.position)
				order by c.position, c.name, c.id), '[]') from ${categories} c where c.parent_id = t.id) as children
		from target t`);
	const category = rows[0];
	if (!category) throw new ApiError("NOT_FOUND", "Category not found");
	return category;
}
