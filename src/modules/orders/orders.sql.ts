import { type SQL, sql } from "drizzle-orm";
import { orderEvents, orderItems, orders, refunds } from "../../db/schema";

/** A timestamptz as ISO 8601 UTC text, as every timestamp in the API. */
export const isoSql = (column: SQL | unknown) =>
	sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The order view (see orderSchema) of each order matching `where` (a predicate on `orders`),
 * built in one statement: rows `{ order }`. `where` may use `orders` columns (no alias). Usable inside a batch, e.g. right after the writes
 * that created or changed the order.
 */
export function orderViewSql(where: SQL): SQL {
	return sql`select json_build_object(
		'id', "orders".id, 'number', "orders".order_number, 'status', "orders".status, 'email', "orders".email,
		'currency', "orders".currency, 'subtotal', "orders".subtotal, 'shippingTotal', "orders".shipping_total,
		'taxTotal', "orders".tax_total, 'total', "orders".total, 'refundedTotal', "orders".refunded_total,
		'items', coalesce((select json_agg(json_build_object(
				'id', i.id, 'productId', i.product_id, 'productSlug', i.product_slug,
				'variantId', i.variant_id, 'sku', i.sku, 'name', i.product_name, 'options', i.options,
				'image', case when i.image_key is null then null
					else json_build_object('url', '/v1/images/' || i.image_key) end,
				'unitPrice', i.unit_price, 'quantity', i.quantity, 'lineTotal', i.line_total)
				order by i.position, i.id)
			from ${orderItems} i where i.order_id = "orders".id), '[]'),
		'shippingAddress', "orders".shipping_address, 'shippingMethod', "orders".shipping_method,
		'payment', json_build_object('provider', 'stripe',
			'paymentIntentId', "orders".payment_intent_id, 'status', "orders".payment_status),
		'refunds', coalesce((select json_agg(json_build_object(
				'id', r.id, 'amount', r.amount, 'currency', r.currency, 'reason', r.reason,
				'status', r.status, 'createdAt', ${isoSql(sql`r.created_at`)}) order by r.created_at, r.id)
			from ${refunds} r where r.order_id = "orders".id), '[]'),
		'timeline', coalesce((select json_agg(json_build_object(
				'type', e.type, 'fromStatus', e.from_status, 'toStatus', e.to_status,
				'actor', e.actor, 'at', ${isoSql(sql`e.created_at`)}) order by e.created_at, e.id)
			from ${orderEvents} e where e.order_id = "orders".id and not e.internal), '[]'),
		'paymentDueAt', ${isoSql(sql`"orders".payment_due_at`)}, 'placedAt', ${isoSql(sql`"orders".placed_at`)},
		'paidAt', ${isoSql(sql`"orders".paid_at`)}, 'cancelledAt', ${isoSql(sql`"orders".cancelled_at`)},
		'cancelReason', "orders".cancel_reason
	) as "order"
	from ${orders} where ${where}`;
}
