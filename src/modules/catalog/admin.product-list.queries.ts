import { type SQL, sql } from "drizzle-orm";

/** Active variants at or below this many sellable units make a product `lowStock`. */
export const LOW_STOCK = 5;

export interface AdminProductFilters {
	status?: "draft" | "active" | "archived";
	/** A category slug (that category only). */
	category?: string;
	/** Name, slug or a variant's SKU, substring. */
	q?: string;
	lowStock?: boolean;
}

export interface ProductKeyset {
	t: number;
	id: string;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of products of every status, newest first, each with its variant counts and stock
 * totals, in ONE statement; keyset on (created_at, id).
 */
export function adminProductListSql(
	f: AdminProductFilters,
	limit: number,
	after?: ProductKeyset,
): SQL {
	const where: SQL[] = [sql`true`];
	if (f.status) where.push(sql`p.status = ${f.status}::product_status`);
	if (f.category) where.push(sql`c.slug = ${f.category}`);
	if (f.q) {
		const like = `%${likeEscape(f.q)}%`;
		where.push(sql`(p.name ilike ${like} or p.slug ilike ${like}
			or exists (select 1 from variants sv where sv.product_id = p.id and sv.sku ilike ${like}))`);
	}
	const key = sql`(extract(epoch from p.created_at) * 1000000)::bigint`;
	if (after)
		where.push(sql`(${key}, p.id) < (${after.t}::bigint, ${after.id}::uuid)`);
	const lowStock = sql`coalesce(min(v.on_hand - v.reserved) filter (where v.status = 'active'), ${LOW_STOCK + 1}) <= ${LOW_STOCK}`;
	return sql`select json_build_object('id', p.id, 'slug', p.slug, 'name', p.name, 'status', p.status,
			'category', case when c.id is null then null else json_build_object('id', c.id, 'slug', c.slug) end,
			'currency', p.currency, 'priceMin', p.price_min, 'priceMax', p.price_max,
			'variantCount', count(v.id)::int,
			'activeVariantCount', (count(v.id) filter (where v.status = 'active'))::int,
			'onHand', coalesce(sum(v.on_hand), 0)::int, 'reserved', coalesce(sum(v.reserved), 0)::int,
			'available', coalesce(sum(v.on_hand - v.reserved), 0)::int,
			'lowStock', ${lowStock},
			'createdAt', to_char(p.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) as product,
		${key}::text as sort_key
	from products p
	left join categories c on c.id = p.category_id
	left join variants v on v.product_id = p.id
	where ${sql.join(where, sql` and `)}
	group by p.id, c.id
	${f.lowStock === undefined ? sql`` : f.lowStock ? sql`having ${lowStock}` : sql`having not (${lowStock})`}
	order by ${key} desc, p.id desc
	limit ${limit}`;
}
