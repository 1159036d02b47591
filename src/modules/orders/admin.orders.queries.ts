import { type SQL, sql } from "drizzle-orm";
import { orders } from "../../db/schema";
import type { OrderStatus } from "../../db/schema/orders";
import { orderViewSql } from "./orders.queries";

/** A timestamptz as ISO 8601 UTC with milliseconds (as orders.queries writes them). */
const iso = (ts: string): SQL =>
	sql.raw(`to_char(${ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/**
 * Everything an operator sees of one order, in ONE statement: the customer's order view, plus
 * the customer, fulfilments with their items, refunds with Stripe ids and who asked, the full
 * timeline (internal notes and actor ids included) and the Stripe events the queue gave up on.
 * One row `{ order }`, none without the order; it can ride at the end of an action's batch.
 */
export function adminOrderSql(orderId: string): SQL {
	const id = sql`${orderId}::uuid`;
	return sql`select (v."order"::jsonb || jsonb_build_object(
		'customer', (select json_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role)
			from orders o join users u on u.id = o.user_id where o.id = ${id}),
		'fulfillments', coalesce((select json_agg(json_build_object(
				'id', f.id, 'carrier', f.carrier, 'trackingNumber', f.tracking_number,
				'trackingUrl', f.tracking_url, 'createdBy', f.created_by, 'createdAt', ${iso("f.created_at")},
				'items', (select json_agg(json_build_object('orderItemId', fi.order_item_id, 'quantity', fi.quantity)
					order by fi.order_item_id) from fulfillment_items fi where fi.fulfillment_id = f.id))
				order by f.created_at, f.id)
			from fulfillments f where f.order_id = ${id}), '[]'::json),
		'refunds', coalesce((select json_agg(json_build_object(
				'id', r.id, 'stripeRefundId', r.stripe_refund_id, 'amount', r.amount, 'currency', r.currency,
				'reason', r.reason, 'status', r.status, 'createdBy', r.created_by, 'createdAt', ${iso("r.created_at")})
				order by r.created_at, r.id)
			from refunds r where r.order_id = ${id}), '[]'::json),
		'lines', coalesce((select json_agg(json_build_object('id', i.id, 'quantity', i.quantity,
				'shippedQuantity', i.shipped_quantity, 'restockedQuantity', i.restocked_quantity)
				order by i.position, i.id)
			from order_items i where i.order_id = ${id}), '[]'::json),
		'timeline', coalesce((select json_agg(json_build_object(
				'id', e.id, 'type', e.type, 'fromStatus', e.from_status, 'toStatus', e.to_status,
				'actor', e.actor, 'actorId', e.actor_id, 'data', e.data, 'internal', e.internal,
				'at', ${iso("e.created_at")})
				order by e.created_at, e.id)
			from order_events e where e.order_id = ${id}), '[]'::json),
		'failedStripeEvents', coalesce((select json_agg(json_build_object(
				'id', s.id, 'type', s.type, 'objectId', s.object_id, 'receivedAt', ${iso("s.received_at")},
				'failedAt', ${iso("s.failed_at")}, 'lastError', s.last_error)
				order by s.received_at, s.id)
			from stripe_events s where s.order_id = ${id} and s.failed_at is not null), '[]'::json)
	)) as "order"
	from (${orderViewSql(sql`${orders.id} = ${id}`)}) v`;
}

export type AdminOrderSort = "newest" | "oldest" | "total";

export interface AdminOrderFilters {
	status?: OrderStatus[];
	q?: string;
	placedFrom?: string;
	placedTo?: string;
	minTotal?: number;
	maxTotal?: number;
	customerId?: string;
}

/** Where a page ends: the sort key of its last row (placed_at in epoch µs, or the total) and id. */
export interface AdminOrderKeyset {
	k: number;
	id: string;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of every order, filtered, in ONE statement: `limit` rows (ask one more to know if a
 * next page exists) with the customer's name and the item count. Keyset on (sort key, id) in
 * the sort's direction, so a page costs `limit` rows whatever the offset.
 */
export function adminOrderListSql(
	f: AdminOrderFilters,
	sort: AdminOrderSort,
	limit: number,
	after?: AdminOrderKeyset,
): SQL {
	const where: SQL[] = [sql`true`];
	if (f.status?.length)
		where.push(
			sql`o.status = any(${`{${f.status.join(",")}}`}::order_status[])`,
		);
	if (f.q) {
		const like = `%${likeEscape(f.q)}%`;
		where.push(sql`(o.order_number = upper(${f.q}) or o.email ilike ${like}
			or o.shipping_address->>'name' ilike ${like} or u.name ilike ${like})`);
	}
	if (f.placedFrom)
		where.push(sql`o.placed_at >= ${f.placedFrom}::timestamptz`);
	if (f.placedTo) where.push(sql`o.placed_at < ${f.placedTo}::timestamptz`);
	if (f.minTotal !== undefined) where.push(sql`o.total >= ${f.minTotal}::int`);
	if (f.maxTotal !== undefined) where.push(sql`o.total <= ${f.maxTotal}::int`);
	if (f.customerId) where.push(sql`o.user_id = ${f.customerId}::uuid`);
	const key =
		sort === "total"
			? sql`o.total::bigint`
			: sql`(extract(epoch from o.placed_at) * 1000000)::bigint`;
	const desc = sort !== "oldest";
	if (after)
		where.push(
			desc
				? sql`(${key}, o.id) < (${after.k}::bigint, ${after.id}::uuid)`
				: sql`(${key}, o.id) > (${after.k}::bigint, ${after.id}::uuid)`,
		);
	const order = desc ? sql`${key} desc, o.id desc` : sql`${key} asc, o.id asc`;
	return sql`select o.id, o.order_number as number, o.status, o.email, o.currency,
		o.total, o.refunded_total as "refundedTotal",
		case when u.id is null then null else json_build_object('id', u.id, 'name', u.name) end as customer,
		o.shipping_address->>'name' as "shipToName",
		(select coalesce(sum(i.quantity), 0)::int from order_items i where i.order_id = o.id) as "itemCount",
		${iso("o.placed_at")} as "placedAt",
		${key}::text as sort_key
	from orders o left join users u on u.id = o.user_id
	where ${sql.join(where, sql` and `)}
	order by ${order}
	limit ${limit}`;
}
