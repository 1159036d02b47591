import { type SQL, sql } from "drizzle-orm";
import { type AnyPgColumn, alias } from "drizzle-orm/pg-core";
import {
	images,
	orderEvents,
	orderItems,
	orders,
	refunds,
} from "../../db/schema";
import { imageBaseUrl } from "../../lib/image-url";
import type { OrderSummary, OrderView } from "./orders.schemas";

/*
 * Raw SQL over drizzle's tables and columns (aliases via `alias()`), so a renamed table or
 * column fails to compile instead of failing at runtime. `from ${orderItems} oi` renders the
 * table and its alias; `${oi.id}` renders `"oi"."id"`.
 */
const oi = alias(orderItems, "oi");
const img = alias(images, "img");
const r = alias(refunds, "r");
const ev = alias(orderEvents, "ev");
const o = alias(orders, "o");

type Expr = SQL | AnyPgColumn;

/** A timestamptz as ISO 8601 UTC with milliseconds, exactly as `Date#toISOString` writes it. */
const isoSql = (ts: Expr): SQL =>
	sql`to_char(${ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Epoch microseconds as text, for cursors: exact where milliseconds would tie. */
const epochUsSql = (ts: Expr): SQL =>
	sql`(extract(epoch from ${ts}) * 1000000)::bigint::text`;

/**
 * A line's image `{url, alt?, width, height}` from its snapshot (null without a key), the URL
 * built as the catalog builds it (lib/image-url). `alt` is the catalog image's, while that image
 * still exists.
 */
function lineImageSql(key: Expr, alt: Expr, width: Expr, height: Expr): SQL {
	return sql`case when ${key} is null then null else jsonb_build_object(
		'url', ${imageBaseUrl()}::text || '/' || ${key}, 'width', ${width}, 'height', ${height})
		|| case when ${alt} is null then '{}'::jsonb else jsonb_build_object('alt', ${alt}) end end`;
}

/** The catalog image row behind a snapshot key, for its alt text. */
function imageAltSql(key: Expr, productId: Expr): SQL {
	return sql`(select ${img.alt} from ${images} img
		where ${img.key} = ${key} and ${img.productId} = ${productId}
		order by ${img.position}, ${img.id} limit 1)`;
}

/** The lines of the order whose id is `orderId`, as a JSON array in checkout order. */
function itemsSql(orderId: Expr): SQL {
	return sql`coalesce((select json_agg(json_build_object(
			'id', ${oi.id}, 'productId', ${oi.productId}, 'productSlug', ${oi.productSlug},
			'variantId', ${oi.variantId}, 'sku', ${oi.sku}, 'name', ${oi.productName},
			'options', ${oi.options},
			'image', ${lineImageSql(oi.imageKey, imageAltSql(oi.imageKey, oi.productId), oi.imageWidth, oi.imageHeight)},
			'unitPrice', ${oi.unitPrice}, 'quantity', ${oi.quantity}, 'lineTotal', ${oi.lineTotal})
			order by ${oi.position}, ${oi.id})
		from ${orderItems} oi where ${oi.orderId} = ${orderId}), '[]'::json)`;
}

export interface OrderViewRow extends Record<string, unknown> {
	order: OrderView;
}

/**
 * The order view (orderSchema) of every order matching `where`, a predicate on `orders`
 * (unaliased, e.g. `and(eq(orders.id, id), readableBy(reader))`): ONE plain statement answering
 * rows `{ order }`, newest first, so it can ride in a `db.batch` right after the writes that
 * created or changed the order. Internal timeline events and actor ids are never included.
 */
export function orderViewSql(where: SQL): SQL {
	return sql`select json_build_object(
		'id', ${orders.id}, 'number', ${orders.orderNumber}, 'status', ${orders.status},
		'email', ${orders.email}, 'currency', ${orders.currency},
		'subtotal', ${orders.subtotal}, 'shippingTotal', ${orders.shippingTotal},
		'taxTotal', ${orders.taxTotal}, 'total', ${orders.total},
		'refundedTotal', ${orders.refundedTotal},
		'items', ${itemsSql(orders.id)},
		'shippingAddress', ${orders.shippingAddress},
		'shippingMethod', ${orders.shippingMethod},
		'payment', json_build_object('provider', 'stripe',
			'paymentIntentId', ${orders.paymentIntentId}, 'status', ${orders.paymentStatus}),
		'refunds', coalesce((select json_agg(json_build_object(
				'id', ${r.id}, 'amount', ${r.amount}, 'currency', ${r.currency},
				'reason', ${r.reason}, 'status', ${r.status}, 'createdAt', ${isoSql(r.createdAt)})
				order by ${r.createdAt}, ${r.id})
			from ${refunds} r where ${r.orderId} = ${orders.id}), '[]'::json),
		'timeline', coalesce((select json_agg(json_build_object(
				'type', ${ev.type}, 'fromStatus', ${ev.fromStatus}, 'toStatus', ${ev.toStatus},
				'actor', ${ev.actor}, 'at', ${isoSql(ev.createdAt)})
				order by ${ev.createdAt}, ${ev.id})
			from ${orderEvents} ev where ${ev.orderId} = ${orders.id} and not ${ev.internal}), '[]'::json),
		'paymentDueAt', ${isoSql(orders.paymentDueAt)},
		'placedAt', ${isoSql(orders.placedAt)},
		'paidAt', ${isoSql(orders.paidAt)},
		'cancelledAt', ${isoSql(orders.cancelledAt)},
		'cancelReason', ${orders.cancelReason}
	) as "order"
	from ${orders} where ${where}
	order by ${orders.placedAt} desc, ${orders.id} desc`;
}

export interface OrderItemsRow extends Record<string, unknown> {
	items: OrderView["items"];
}

/** The lines of the orders matching `where` (a predicate on `orders`): rows `{ items }`. */
export function orderItemsSql(where: SQL): SQL {
	return sql`select ${itemsSql(orders.id)} as items from ${orders} where ${where}`;
}

export interface OrderPaymentRow extends Record<string, unknown> {
	status: OrderView["status"];
	payment_intent_id: string | null;
}

/** What resuming a payment needs to know of the orders matching `where`. */
export function orderPaymentSql(where: SQL): SQL {
	return sql`select ${orders.status} as status, ${orders.paymentIntentId} as payment_intent_id
		from ${orders} where ${where}`;
}

/** Where a history page ends: the last order's placed_at (epoch µs) and id. */
export interface HistoryKeyset {
	t: number;
	id: string;
}

export interface OrderSummaryRow extends OrderSummary, Record<string, unknown> {
	placed_us: string;
}

/** How many line names and images a summary shows. */
const SUMMARY_LINES = 3;

/**
 * A page of one customer's order history, newest first: orders ⋈ order_items ⋈ images in ONE
 * parameterised statement. The page of orders is cut first (`page`: an index scan of
 * orders_user_placed_idx on (user_id, placed_at desc nulls last, id desc nulls last), the keyset a
 * row comparison on the same columns, so it reads `limit` index entries whatever the history's
 * length; `nulls last` is spelled out because a bare `desc` means `nulls first` and would not
 * match the index, costing a sort of every order the customer has), then only
 * those orders' lines are joined, counted, and the first SUMMARY_LINES named with their images.
 */
export function orderHistorySql(
	userId: string,
	limit: number,
	after?: HistoryKeyset,
): SQL {
	const keyset = after
		? sql`and (${o.placedAt}, ${o.id}) < (timestamptz 'epoch' + ${after.t}::bigint * interval '1 microsecond', ${after.id}::uuid)`
		: sql``;
	return sql`with page as (
		select ${o.id} as id, ${o.orderNumber} as number, ${o.status} as status,
			${o.currency} as currency, ${o.subtotal} as subtotal,
			${o.shippingTotal} as shipping_total, ${o.taxTotal} as tax_total,
			${o.total} as total, ${o.refundedTotal} as refunded_total, ${o.placedAt} as placed_at
		from ${orders} o
		where ${o.userId} = ${userId}::uuid ${keyset}
		order by ${o.placedAt} desc nulls last, ${o.id} desc nulls last
		limit ${limit}
	), lines as (
		select ${oi.orderId} as order_id, ${oi.quantity} as quantity, ${oi.productName} as name,
			${oi.imageKey} as image_key, ${oi.imageWidth} as image_width,
			${oi.imageHeight} as image_height, ${oi.productId} as product_id,
			row_number() over (partition by ${oi.orderId} order by ${oi.position}, ${oi.id}) as n
		from page join ${orderItems} oi on ${oi.orderId} = page.id
	)
	select page.id, page.number, page.status, page.currency, page.subtotal,
		page.shipping_total as "shippingTotal", page.tax_total as "taxTotal", page.total,
		page.refunded_total as "refundedTotal",
		coalesce(sum(lines.quantity), 0)::int as "itemCount",
		coalesce(json_agg(json_build_object('name', lines.name,
				'image', ${lineImageSql(sql`lines.image_key`, sql`line_image.alt`, sql`lines.image_width`, sql`lines.image_height`)})
			order by lines.n) filter (where lines.n <= ${SUMMARY_LINES}), '[]'::json) as items,
		${isoSql(sql`page.placed_at`)} as "placedAt",
		${epochUsSql(sql`page.placed_at`)} as placed_us
	from page
	left join lines on lines.order_id = page.id
	left join lateral (
		select ${img.alt} as alt from ${images} img
		where lines.n <= ${SUMMARY_LINES}
			and ${img.key} = lines.image_key and ${img.productId} = lines.product_id
		order by ${img.position}, ${img.id} limit 1
	) line_image on true
	group by page.id, page.number, page.status, page.currency, page.subtotal,
		page.shipping_total, page.tax_total, page.total, page.refunded_total, page.placed_at
	order by page.placed_at desc, page.id desc`;
}
