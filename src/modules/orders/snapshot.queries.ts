import { type SQL, sql } from "drizzle-orm";
import type { AddressSnapshot, OrderStatus } from "../../db/schema";

/** What the emails, the cancel response and the consumers need of an order. */
export interface OrderSnapshot {
	id: string;
	number: string;
	userId: string | null;
	email: string;
	status: OrderStatus;
	currency: string;
	subtotal: number;
	shippingTotal: number;
	taxTotal: number;
	total: number;
	refundedTotal: number;
	shippingAddress: AddressSnapshot;
	paymentIntentId: string | null;
	paidAt: string | null;
	cancelledAt: string | null;
	cancelReason: string | null;
	items: {
		name: string;
		sku: string;
		quantity: number;
		lineTotal: number;
	}[];
}

/** The snapshot of the orders row `o` (any relation with the orders columns). */
export const snapshotSql = (o: string): SQL =>
	sql.raw(`json_build_object(
		'id', ${o}.id, 'number', ${o}.order_number, 'userId', ${o}.user_id, 'email', ${o}.email,
		'status', ${o}.status, 'currency', ${o}.currency, 'subtotal', ${o}.subtotal,
		'shippingTotal', ${o}.shipping_total, 'taxTotal', ${o}.tax_total, 'total', ${o}.total,
		'refundedTotal', ${o}.refunded_total, 'shippingAddress', ${o}.shipping_address,
		'paymentIntentId', ${o}.payment_intent_id, 'paidAt', ${o}.paid_at,
		'cancelledAt', ${o}.cancelled_at, 'cancelReason', ${o}.cancel_reason,
		'items', coalesce((select json_agg(json_build_object('name', i.product_name, 'sku', i.sku,
			'quantity', i.quantity, 'lineTotal', i.line_total) order by i.position, i.id)
			from order_items i where i.order_id = ${o}.id), '[]'::json))`);

/**
 * Which order: by id, or by PaymentIntent (the order holding it, else the `metadata.orderId`
 * Stripe echoes, for an order whose PaymentIntent id was never stored).
 */
export type OrderRef =
	| { orderId: string }
	| { paymentIntentId: string; orderId?: string | null };

export function orderIdSql(ref: OrderRef): SQL {
	if (!("paymentIntentId" in ref)) return sql`${ref.orderId}::uuid`;
	return sql`coalesce((select id from orders where payment_intent_id = ${ref.paymentIntentId}), ${ref.orderId ?? null}::uuid)`;
}

/** The order as it is (no change), for an email about something that did not move it. */
export function orderSnapshotSql(ref: OrderRef): SQL {
	return sql`select ${snapshotSql("o")} as "order" from orders o where o.id = ${orderIdSql(ref)}`;
}
