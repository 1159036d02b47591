import { type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import {
	addresses,
	cartItems,
	carts,
	images,
	inventoryLedger,
	orderEvents,
	orderItems,
	orders,
	products,
	shippingMethods,
	users,
	variants,
} from "../../db/schema";
import type { AddressSnapshot } from "../../db/schema/orders";
import { claimSql, type IdempotencyClaim } from "../../lib/idempotency";
import { ownerSql } from "../cart/cart.queries";
import type { CartOwner } from "../cart/cart-token";
import { availableUnits, sellable } from "../catalog/stock.queries";

const v = alias(variants, "v");
const p = alias(products, "p");

export type PlaceOutcome =
	| "ok"
	| "idempotency"
	| "cart_empty"
	| "currency_mismatch"
	| "shipping_method_unavailable"
	| "address_not_found"
	| "out_of_stock";

export interface ShortLine {
	variantId: string;
	sku: string;
	requested: number;
	available: number;
	/** False when the variant or its product is no longer active (then available is 0). */
	sellable: boolean;
}

export interface PriceChange {
	itemId: string;
	variantId: string;
	sku: string;
	previousPrice: number;
	price: number;
}

export interface PlaceRow extends Record<string, unknown> {
	outcome: PlaceOutcome;
	order_number: string | null;
	total: number | null;
	currency: string | null;
	email: string | null;
	short_lines: ShortLine[] | null;
	price_changes: PriceChange[] | null;
	method_currency: string | null;
}

export interface PlaceParams {
	orderId: string;
	owner: CartOwner;
	/** A saved address of the signed-in user, or an address given inline. */
	address: { id: string } | { snapshot: AddressSnapshot };
	shippingMethod: string;
	/** Null for a signed-in user without an explicit email: the account's email is used. */
	email: string | null;
	/** SHA-256 hex of a guest's order access token. */
	accessTokenHash: string | null;
	paymentWindowMs: number;
	claim?: IdempotencyClaim;
}

/**
 * Places an order from the owner's cart in ONE statement, so concurrent checkouts can never
 * oversell: the cart row and then every variant row it holds are locked (in id order, so two
 * checkouts cannot deadlock), the verdict is computed on those locked rows, and only an `ok`
 * verdict reserves stock (`reserved += q` where still available; the CHECK reserved <= on_hand
 * is the last word), snapshots the lines at current prices, writes `reserve` ledger rows and the
 * first timeline event, and closes the cart (`ordered`). With an Idempotency-Key, nothing runs
 * unless this attempt claimed the key.
 */
export function placeOrderSql(a: PlaceParams): SQL {
	const claim = a.claim
		? claimSql(a.claim)
		: sql`select null::uuid as claim_id`;
	const userId = a.owner.kind === "user" ? a.owner.userId : null;
	const address =
		"id" in a.address
			? sql`select jsonb_build_object('name', ad.name, 'line1', ad.line1, 'line2', ad.line2,
					'city', ad.city, 'region', ad.region, 'postalCode', ad.postal_code,
					'country', ad.country, 'phone', ad.phone) as snapshot
				from ${addresses} ad
				where ad.id = ${a.address.id}::uuid and ad.user_id = ${userId}::uuid`
			: sql`select ${JSON.stringify(a.address.snapshot)}::jsonb as snapshot`;
	return sql`
	with claim as (${claim}),
	cart as (
		select c.id from ${carts} c
		where ${ownerSql(a.owner)} and exists (select 1 from claim)
		for update
	),
	lines as (
		select ci.id as item_id, ci.variant_id, ci.quantity, ci.unit_price as seen_price,
			ci.created_at
		from ${cartItems} ci where ci.cart_id = (select id from cart)
	),
	locked as (
		select v.id, v.product_id, v.sku, v.options, v.price, v.currency, v.on_hand,
			v.reserved, v.status
		from ${variants} v where v.id in (select variant_id from lines)
		order by v.id
		for update
	),
	detail as (
		select l.item_id, l.variant_id, l.quantity, l.seen_price, v.price, v.currency, v.sku,
			v.options, v.on_hand, p.id as product_id, p.name as product_name, p.slug as product_slug,
			${sellable(v, p)} as sellable,
			case when ${sellable(v, p)} then greatest(${availableUnits(v)}, 0) else 0 end as available,
			img.key as image_key, img.width as image_width, img.height as image_height,
			row_number() over (order by l.created_at, l.item_id) - 1 as position
		from lines l join locked v on v.id = l.variant_id join ${products} p on p.id = v.product_id
		left join lateral (
			select i.key, i.width, i.height from ${images} i
			where i.product_id = p.id and (i.variant_id = v.id or i.variant_id is null)
			order by (i.variant_id is null), i.position, i.id limit 1
		) img on true
	),
	totals as (
		select count(*)::int as lines, coalesce(sum(price * quantity), 0)::int as subtotal,
			count(distinct currency)::int as currencies, min(currency) as currency
		from detail
	),
	method as (
		select m.code, m.name, m.currency,
			case when m.free_over is not null and t.subtotal >= m.free_over then 0 else m.price end
				as price
		from ${shippingMethods} m cross join totals t
		where m.code = ${a.shippingMethod} and m.active
	),
	address as (${address}),
	contact as (
		select coalesce(${a.email}::text, (select u.email from ${users} u where u.id = ${userId}::uuid))
			as email
	),
	verdict as (
		select case
			when not exists (select 1 from claim) then 'idempotency'
			when t.lines = 0 then 'cart_empty'
			when t.currencies > 1 then 'currency_mismatch'
			when not exists (select 1 from method m where m.currency = t.currency)
				then 'shipping_method_unavailable'
			when not exists (select 1 from address) then 'address_not_found'
			when exists (select 1 from detail d where d.quantity > d.available) then 'out_of_stock'
			else 'ok' end as outcome
		from totals t
	),
	go as (select 1 from verdict where outcome = 'ok'),
	reserve as (
		update ${variants} rv set reserved = rv.reserved + d.quantity, updated_at = now()
		from detail d
		where rv.id = d.variant_id and exists (select 1 from go)
			and rv.on_hand - rv.reserved >= d.quantity
		returning rv.id, rv.on_hand, d.quantity
	),
	new_order as (
		insert into ${orders} (id, user_id, email, currency, subtotal, shipping_total, tax_total,
			total, shipping_address, shipping_method, cart_id, payment_due_at, access_token_hash)
		select ${a.orderId}::uuid, ${userId}::uuid, (select email from contact), t.currency,
			t.subtotal, m.price, 0, t.subtotal + m.price, (select snapshot from address),
			jsonb_build_object('code', m.code, 'name', m.name, 'price', m.price),
			(select id from cart), now() + make_interval(secs => ${a.paymentWindowMs / 1000}),
			${a.accessTokenHash}
		from totals t cross join method m
		where exists (select 1 from go)
		returning id, order_number, total, currency, email
	),
	new_items as (
		insert into ${orderItems} (id, order_id, variant_id, product_id, sku, product_name,
			product_slug, options, image_key, image_width, image_height, unit_price, quantity,
			line_total, position)
		select gen_random_uuid(), o.id, d.variant_id, d.product_id, d.sku, d.product_name,
			d.product_slug, d.options, d.image_key, d.image_width, d.image_height, d.price,
			d.quantity, d.price * d.quantity,
			d.position
		from detail d cross join new_order o
		returning id
	),
	ledger as (
		insert into ${inventoryLedger} (id, variant_id, delta, on_hand_after, reserved_delta,
			reason, actor_id, order_id)
		select gen_random_uuid(), r.id, 0, r.on_hand, r.quantity, 'reserve', ${userId}::uuid, o.id
		from reserve r cross join new_order o
		returning id
	),
	placed as (
		insert into ${orderEvents} (id, order_id, type, from_status, to_status, actor, actor_id,
			data)
		select gen_random_uuid(), o.id, 'status_changed', null, 'pending_payment',
			'customer', ${userId}::uuid, jsonb_build_object('lines', (select lines from totals))
		from new_order o
		returning id
	),
	closed as (
		update ${carts} set status = 'ordered', updated_at = now()
		where id = (select id from cart) and exists (select 1 from new_order)
		returning id
	)
	select vd.outcome,
		(select order_number from new_order), (select total from new_order),
		coalesce((select currency from new_order), (select currency from totals)) as currency,
		(select email from new_order),
		(select m.currency from ${shippingMethods} m where m.code = ${a.shippingMethod}) as method_currency,
		(select json_agg(json_build_object('variantId', d.variant_id, 'sku', d.sku,
				'requested', d.quantity, 'available', d.available, 'sellable', d.sellable)
				order by d.position)
			from detail d where d.quantity > d.available) as short_lines,
		(select json_agg(json_build_object('itemId', d.item_id, 'variantId', d.variant_id,
				'sku', d.sku, 'previousPrice', d.seen_price, 'price', d.price) order by d.position)
			from detail d where d.seen_price <> d.price) as price_changes,
		-- Cannot happen while the rows are locked; if it ever did, fail the whole batch (a
		-- runtime cast error rolls it back) rather than keep an order whose stock is not reserved.
		case when vd.outcome = 'ok' and (select count(*) from reserve) <> (select lines from totals)
			then ('checkout reserved ' || (select count(*) from reserve) || ' of '
				|| (select lines from totals) || ' lines')::int end as reservation_check
	from verdict vd`;
}

/**
 * Undoes a placed order whose payment could not be set up (Stripe failed or timed out): the
 * order is cancelled and its reservations released, exactly as any pending cancellation, and
 * the cart it came from is reopened unless the customer already has another active cart.
 */
export function reopenCartSql(orderId: string): SQL {
	return sql`update ${carts} c set status = 'active', updated_at = now()
		from ${orders} o
		where o.id = ${orderId}::uuid and c.id = o.cart_id and c.status = 'ordered'
			and not exists (
				select 1 from ${carts} other
				where other.status = 'active' and other.user_id = c.user_id
			)`;
}
