import { type SQL, sql } from "drizzle-orm";

/** Variants at or below this many sellable units count as low stock (the catalog's threshold). */
const LOW_STOCK = 5;

const iso = (ts: string) =>
	sql.raw(`to_char(${ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * The shop dashboard for orders placed in [from, to), in ONE statement: counts per interval
 * bucket (placed, paid, cancelled, refunded), revenue per currency (gross of paid orders,
 * refunds, net, average order value), the top 10 products by units and by revenue, and the
 * active variants with the least sellable stock. Sums are bigint: one order's total fits in an
 * integer column, but a window's revenue passes 2^31 minor units (21 million in euros) quickly.
 */
export function statsSql(p: {
	from: string;
	to: string;
	interval: "day" | "week";
}): SQL {
	return sql`with o as (
		select * from orders
		where placed_at >= ${p.from}::timestamptz and placed_at < ${p.to}::timestamptz
	), paid as (
		select * from o where paid_at is not null
	), lines as (
		select i.product_id, i.product_name, paid.currency, sum(i.quantity)::bigint as units,
			sum(i.line_total)::bigint as revenue
		from order_items i join paid on paid.id = i.order_id
		group by i.product_id, i.product_name, paid.currency
	)
	select json_build_object(
		'from', ${p.from}::text, 'to', ${p.to}::text, 'interval', ${p.interval}::text,
		'totals', (select json_build_object(
			'placed', count(*)::int,
			'paid', count(*) filter (where paid_at is not null)::int,
			'cancelled', count(*) filter (where status = 'cancelled')::int,
			'refunded', count(*) filter (where refunded_total > 0)::int) from o),
		'series', coalesce((select json_agg(json_build_object('start', ${iso("b.bucket")},
				'placed', b.placed, 'paid', b.paid, 'cancelled', b.cancelled, 'refunded', b.refunded)
				order by b.bucket)
			from (select date_trunc(${p.interval}, placed_at, 'UTC') as bucket, count(*)::int as placed,
					count(*) filter (where paid_at is not null)::int as paid,
					count(*) filter (where status = 'cancelled')::int as cancelled,
					count(*) filter (where refunded_total > 0)::int as refunded
				from o group by 1) b), '[]'::json),
		'revenue', coalesce((select json_agg(json_build_object('currency', r.currency,
				'gross', r.gross, 'refunds', r.refunds, 'net', r.gross - r.refunds,
				'orders', r.orders, 'averageOrderValue', r.aov) order by r.currency)
			from (select currency, sum(total)::bigint as gross, sum(refunded_total)::bigint as refunds,
					count(*)::int as orders, round(avg(total))::bigint as aov
				from paid group by currency) r), '[]'::json),
		'topProductsByUnits', coalesce((select json_agg(t) from (
				select product_id as "productId", product_name as name, currency, units, revenue
				from lines order by units desc, revenue desc, product_name limit 10) t), '[]'::json),
		'topProductsByRevenue', coalesce((select json_agg(t) from (
				select product_id as "productId", product_name as name, currency, units, revenue
				from lines order by revenue desc, units desc, product_name limit 10) t), '[]'::json),
		'lowStock', coalesce((select json_agg(t) from (
				select v.id as "variantId", v.sku, pr.name as "productName",
					v.on_hand as "onHand", v.reserved, v.on_hand - v.reserved as available
				from variants v join products pr on pr.id = v.product_id
				where v.status = 'active' and pr.status = 'active' and v.on_hand - v.reserved <= ${LOW_STOCK}
				order by v.on_hand - v.reserved, v.sku limit 20) t), '[]'::json)
	) as stats`;
}
