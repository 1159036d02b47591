import { type SQL, sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids";

/*
 * The admin's order actions as single conditional statements: the database decides whether the
 * action applies (status, units left to ship), so a double click or two admins at once have one
 * effect. Each answers one row with an `outcome` the service maps to the response.
 */

/** An internal timeline note (never in the customer's view): one row `{ id }`, none without the order. */
export function noteSql(p: {
	noteId: string;
	orderId: string;
	adminId: string;
	body: string;
}): SQL {
	return sql`insert into order_events (id, order_id, type, actor, actor_id, data, internal)
		select ${p.noteId}::uuid, o.id, 'note', 'admin', ${p.adminId}::uuid,
			jsonb_build_object('body', ${p.body}::text), true
		from orders o where o.id = ${p.orderId}::uuid
		returning id`;
}

/**
 * The admin's own reason for a cancel, as an internal timeline row (`cancel_reason`): the
 * customer's view shows only the neutral code stored on the order.
 */
export function internalCancelReasonSql(p: {
	orderId: string;
	adminId: string;
	reason: string;
}): SQL {
	return sql`insert into order_events (id, order_id, type, actor, actor_id, data, internal)
		values (${uuidv7()}::uuid, ${p.orderId}::uuid, 'cancel_reason', 'admin', ${p.adminId}::uuid,
			jsonb_build_object('reason', ${p.reason}::text), true)`;
}

export interface ActionRow extends Record<string, unknown> {
	/** `ok`, or why not: `not_found`, `invalid_state`, `unknown_item`, `too_many`, `nothing_to_ship`. */
	outcome: string;
	/** The order's status after the statement (null: no such order). */
	status: string | null;
	fulfillment_id?: string | null;
}

/** `fulfilled → delivered`, with a timeline row naming the admin. */
export function deliverSql(p: {
	eventId: string;
	orderId: string;
	adminId: string;
}): SQL {
	const id = sql`${p.orderId}::uuid`;
	return sql`with upd as (
		update orders set status = 'delivered', updated_at = now()
		where id = ${id} and status = 'fulfilled'
		returning id, status
	), event as (
		insert into order_events (id, order_id, type, from_status, to_status, actor, actor_id)
		select ${p.eventId}::uuid, upd.id, 'status_changed', 'fulfilled', 'delivered', 'admin', ${p.adminId}::uuid
		from upd
	)
	select case when exists (select 1 from upd) then 'ok'
			when exists (select 1 from orders where id = ${id}) then 'invalid_state'
			else 'not_found' end as outcome,
		coalesce((select status from upd), (select status from orders where id = ${id}))::text as status`;
}

/**
 * Locks the order row for the rest of the batch: fulfilments (and refunds) of one order then run
 * one after another, and the next statement (READ COMMITTED: a fresh snapshot per statement)
 * sees every unit shipped by a batch that committed before it.
 */
export function lockOrderSql(orderId: string): SQL {
	return sql`select id from orders where id = ${orderId}::uuid for update`;
}

export interface FulfilInput {
	fulfillmentId: string;
	orderId: string;
	adminId: string;
	carrier: string;
	trackingNumber: string;
	trackingUrl: string | null;
	/** The units to ship; absent: every unit not yet shipped (nor restocked). */
	items?: { orderItemId: string; quantity: number }[];
}

/**
 * Ships units of a `paid` or `partially_refunded` order: all or nothing, never more of a line
 * than it has left (`quantity - shipped - restocked`). Writes the fulfillment and its items,
 * raises `shipped_quantity`, a `fulfillment_created` timeline row, and `paid → fulfilled` once no
 * line has units left. A partially refunded order keeps its status (the money state outranks the
 * shipping state, as `fulfilled → partially_refunded` already does); its shipments show in the
 * fulfilments and per-line shipped quantities. Run it after lockOrderSql in the same batch.
 */
export function fulfilSql(p: FulfilInput): SQL {
	const id = sql`${p.orderId}::uuid`;
	const fid = p.fulfillmentId;
	const want = p.items
		? sql`select i.id, w.quantity as qty, (i.quantity - i.shipped_quantity - i.restocked_quantity) as lft
			from jsonb_to_recordset(${JSON.stringify(p.items)}::jsonb) as w("orderItemId" uuid, quantity int)
			left join order_items i on i.id = w."orderItemId" and i.order_id = ${id}`
		: sql`select i.id, (i.quantity - i.shipped_quantity - i.restocked_quantity) as qty,
				(i.quantity - i.shipped_quantity - i.restocked_quantity) as lft
			from order_items i where i.order_id = ${id}
				and i.quantity - i.shipped_quantity - i.restocked_quantity > 0`;
	return sql`with o as (
		select id, status from orders where id = ${id}
	), want as (${want}
	), verdict as (
		select case
			when not exists (select 1 from o) then 'not_found'
			when (select status from o) not in ('paid', 'partially_refunded') then 'invalid_state'
			when exists (select 1 from want where id is null) then 'unknown_item'
			when not exists (select 1 from want) then 'nothing_to_ship'
			when exists (select 1 from want where qty > lft) then 'too_many'
			else 'ok' end as outcome
	), f as (
		insert into fulfillments (id, order_id, carrier, tracking_number, tracking_url, created_by)
		select ${fid}::uuid, ${id}, ${p.carrier}, ${p.trackingNumber}, ${p.trackingUrl}, ${p.adminId}::uuid
		from verdict where outcome = 'ok'
		returning id
	), fi as (
		insert into fulfillment_items (fulfillment_id, order_item_id, quantity)
		select f.id, want.id, want.qty from f, want
	), shipped as (
		update order_items i set shipped_quantity = i.shipped_quantity + want.qty
		from want, f where i.id = want.id
		returning i.id
	), done as (
		select not exists (
			select 1 from order_items i left join want on want.id = i.id
			where i.order_id = ${id}
				and i.quantity - i.restocked_quantity > i.shipped_quantity + coalesce(want.qty, 0)
		) as all_shipped
	), upd as (
		update orders set status = 'fulfilled', updated_at = now()
		where id = ${id} and status = 'paid' and exists (select 1 from f)
			and (select all_shipped from done)
		returning id, status
	), event as (
		insert into order_events (id, order_id, type, actor, actor_id, data)
		select ${uuidv7()}::uuid, ${id}, 'fulfillment_created', 'admin', ${p.adminId}::uuid,
			jsonb_build_object('fulfillmentId', f.id, 'carrier', ${p.carrier}::text,
				'trackingNumber', ${p.trackingNumber}::text)
		from f
	), moved as (
		insert into order_events (id, order_id, type, from_status, to_status, actor, actor_id)
		select ${uuidv7()}::uuid, upd.id, 'status_changed', 'paid', 'fulfilled', 'admin', ${p.adminId}::uuid
		from upd
	)
	select v.outcome, (select id from f) as fulfillment_id,
		coalesce((select status from upd), (select status from o))::text as status
	from verdict v`;
}
