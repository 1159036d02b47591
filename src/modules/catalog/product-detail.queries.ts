import { type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import {
	categories,
	images,
	productOptions,
	products,
	variants,
} from "../../db/schema";
import {
	type Availability,
	availability,
	availableUnits,
} from "./stock.queries";

const UUID_RE =
	/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const v = alias(variants, "v");
const p = alias(products, "p");

/** A product as productDetailSql reads it (a type, not an interface, so it is a row type for `db.execute`). */
export type DetailRow = {
	id: string;
	slug: string;
	name: string;
	description: string;
	status: "draft" | "active" | "archived";
	tags: string[];
	currency: string;
	price_min: number | null;
	price_max: number | null;
	/** ISO 8601 UTC, like every timestamp the API answers with. */
	created_at: string;
	updated_at: string;
	category: { id: string; slug: string; name: string };
	breadcrumb: { id: string; slug: string; name: string }[];
	options: { name: string; values: string[] }[];
	variants: {
		id: string;
		sku: string;
		options: Record<string, string>;
		price: number;
		compareAtPrice: number | null;
		currency: string;
		status: "active" | "archived";
		onHand: number;
		reserved: number;
		available: number;
		availability: Availability;
	}[];
	images: {
		id: string;
		key: string;
		alt: string;
		width: number | null;
		height: number | null;
		position: number;
		variantId: string | null;
		contentType: string;
	}[];
};

/** A product's price range from its stored min/max (null while it has no priced variant). */
export function priceRange(
	p: Pick<DetailRow, "price_min" | "price_max" | "currency">,
) {
	return p.price_min === null || p.price_max === null
		? null
		: { min: p.price_min, max: p.price_max, currency: p.currency };
}

/**
 * A product with everything a product page needs in ONE statement: options, variants with
 * live stock, images, and the category breadcrumb (recursive, depth-capped against bad data).
 * `publicOnly` restricts to active products and active variants.
 */
export function productDetailSql(idOrSlug: string, publicOnly: boolean): SQL {
	const match = UUID_RE.test(idOrSlug)
		? sql`p.id = ${idOrSlug}::uuid`
		: sql`p.slug = ${idOrSlug}`;
	const productStatus = publicOnly ? sql`and p.status = 'active'` : sql``;
	const variantStatus = publicOnly ? sql`and v.status = 'active'` : sql``;
	return sql`with recursive target as (
		select p.* from ${products} p where ${match} ${productStatus}
	), crumbs as (
		select c.id, c.parent_id, c.slug, c.name, 0 as depth
		from ${categories} c join target t on c.id = t.category_id
		union all
		select c.id, c.parent_id, c.slug, c.name, k.depth + 1
		from ${categories} c join crumbs k on c.id = k.parent_id where k.depth < 32
	)
	select p.id, p.slug, p.name, p.description, p.status, p.tags, p.currency,
		p.price_min, p.price_max,
		to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
		to_char(p.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at,
		(select json_build_object('id', k.id, 'slug', k.slug, 'name', k.name) from crumbs k where k.depth = 0) as category,
		(select coalesce(json_agg(json_build_object('id', k.id, 'slug', k.slug, 'name', k.name) order by k.depth desc), '[]') from crumbs k) as breadcrumb,
		(select coalesce(json_agg(json_build_object('name', o.name, 'values', o.values) order by o.position), '[]')
			from ${productOptions} o where o.product_id = p.id) as options,
		(select coalesce(json_agg(json_build_object(
				'id', v.id, 'sku', v.sku, 'options', v.options, 'price', v.price,
				'compareAtPrice', v.compare_at_price, 'currency', v.currency, 'status', v.status,
				'onHand', v.on_hand, 'reserved', v.reserved, 'available', ${availableUnits(v)},
				'availability', ${availability(v, p)}) order by v.position, v.sku), '[]')
			from ${variants} v where v.product_id = p.id ${variantStatus}) as variants,
		(select coalesce(json_agg(json_build_object(
				'id', i.id, 'key', i.key, 'alt', i.alt, 'width', i.width, 'height', i.height,
				'position', i.position, 'variantId', i.variant_id, 'contentType', i.content_type)
				order by i.position, i.id), '[]')
			from ${images} i where i.product_id = p.id) as images
	from target p`;
}
