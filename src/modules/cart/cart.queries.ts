import { type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { cartItems, carts, images, products, variants } from "../../db/schema";
import { availableUnits, sellable } from "../catalog/stock.queries";
import type { CartOwner } from "./cart-token";

/** Largest quantity of one line (also a CHECK on cart_items). */
export const MAX_LINE_QUANTITY = 99;
/** Most distinct lines one cart may hold, so a cart read stays small. */
export const MAX_CART_LINES = 100;

/** The aliases the statements below use: `${carts} c`, `${variants} v`, `${products} p`. */
const c = alias(carts, "c");
const v = alias(variants, "v");
const p = alias(products, "p");

/** The owner's active cart, as a predicate on alias `c`. */
export function ownerSql(owner: CartOwner): SQL {
	return owner.kind === "user"
		? sql`${c.userId} = ${owner.userId}::uuid and ${c.status} = 'active'`
		: sql`${c.tokenHash} = ${owner.tokenHash} and ${c.status} = 'active'`;
}

/** Live stock of variant `v` of product `p`, by the stock rule. */
const liveStock = sql`${availableUnits(v)} as available, ${sellable(v, p)} as sellable`;

export interface CartRow extends Record<string, unknown> {
	cart_id: string;
	id: string | null;
	variant_id: string;
	quantity: number;
	unit_price: number;
	currency: string;
	sku: string;
	options: Record<string, string>;
	price: number;
	price_currency: string;
	available: number;
	sellable: boolean;
	product_id: string;
	product_slug: string;
	product_name: string;
	image_key: string | null;
	image_alt: string | null;
	image_width: number | null;
	image_height: number | null;
}

/**
 * The cart with every line re-priced from the live catalog: one row per line (or one row with
 * null line columns for an empty cart, none when there is no cart). The image is the variant's
 * own first image, else the product's first.
 */
export function cartViewSql(owner: CartOwner): SQL {
	return sql`select c.id as cart_id, ci.id, ci.variant_id, ci.quantity, ci.unit_price, ci.currency,
		v.sku, v.options, v.price, v.currency as price_currency, ${liveStock},
		p.id as product_id, p.slug as product_slug, p.name as product_name, img.key as image_key, img.alt as image_alt,
		img.width as image_width, img.height as image_height
	from ${carts} c
	left join ${cartItems} ci on ci.cart_id = c.id
	left join ${variants} v on v.id = ci.variant_id
	left join ${products} p on p.id = v.product_id
	left join lateral (
		select i.key, i.alt, i.width, i.height from ${images} i
		where i.product_id = p.id and (i.variant_id = v.id or i.variant_id is null)
		order by i.variant_id is null, i.position, i.id limit 1
	) img on true
	where ${ownerSql(owner)}
	order by ci.created_at, ci.id`;
}

/**
 * Locks the owner's cart row for the rest of the batch (creating a user's cart first), so the
 * statements after it see every committed line: per-cart writes are serialised and checks on
 * other lines (one currency, line count) cannot race.
 */
export function lockCartSql(owner: CartOwner, newCartId: string): SQL {
	return owner.kind === "user"
		? sql`insert into ${carts} (id, user_id) values (${newCartId}::uuid, ${owner.userId}::uuid)
			on conflict (user_id) where status = 'active' do update set updated_at = now()
			returning id`
		: sql`select c.id from ${carts} c where ${ownerSql(owner)} for update`;
}

export type AddOutcome =
	| "ok"
	| "unavailable"
	| "currency_mismatch"
	| "quantity_limit"
	| "out_of_stock"
	| "cart_full";

export interface AddRow extends Record<string, unknown> {
	has_cart: boolean;
	/** Null when the variant does not exist. */
	outcome: AddOutcome | null;
	available: number | null;
	in_cart: number | null;
	cart_currency: string | null;
	written: boolean;
}

/**
 * Adds `quantity` of a variant (or raises its line) in ONE statement. The write happens only
 * when the variant is sellable, in the cart's currency, and the new line quantity stays within
 * 1..99 and available stock; otherwise the row says why. The upsert's DO UPDATE re-checks stock
 * and the 99 cap against the latest line, so concurrent adds sum without overselling. With
 * `newGuestCart`, the guest cart is created by the same statement, only if the line is written.
 */
export function addItemSql(a: {
	owner: CartOwner;
	variantId: string;
	quantity: number;
	itemId: string;
	newGuestCart?: { id: string; tokenHash: string };
}): SQL {
	const newCart = a.newGuestCart
		? sql`insert into ${carts} (id, token_hash)
			select ${a.newGuestCart.id}::uuid, ${a.newGuestCart.tokenHash} from verdict where outcome = 'ok'
			returning id`
		: sql`select null::uuid as id where false`;
	const latest = alias(variants, "latest");
	return sql`with cart as (
		select c.id from ${carts} c where ${ownerSql(a.owner)}
	), variant as (
		select v.id, v.price, v.currency, ${liveStock}
		from ${variants} v join ${products} p on p.id = v.product_id
		where v.id = ${a.variantId}::uuid
	), line as (
		select ci.quantity from ${cartItems} ci join cart on ci.cart_id = cart.id
		where ci.variant_id = ${a.variantId}::uuid
	), others as (
		select count(*)::int as lines, min(ci.currency) as currency
		from ${cartItems} ci join cart on ci.cart_id = cart.id
		where ci.variant_id <> ${a.variantId}::uuid
	), verdict as (
		select v.*, coalesce(l.quantity, 0) as in_cart, o.currency as cart_currency,
			case
				when not v.sellable then 'unavailable'
				when o.currency is not null and o.currency <> v.currency then 'currency_mismatch'
				when coalesce(l.quantity, 0) + ${a.quantity} > ${MAX_LINE_QUANTITY} then 'quantity_limit'
				when coalesce(l.quantity, 0) + ${a.quantity} > v.available then 'out_of_stock'
				when l.quantity is null and o.lines >= ${MAX_CART_LINES} then 'cart_full'
				else 'ok'
			end as outcome
		from variant v cross join others o left join line l on true
	), new_cart as (
		${newCart}
	), target as (
		select id from cart union all select id from new_cart
	), upsert as (
		insert into ${cartItems} as ci (id, cart_id, variant_id, quantity, unit_price, currency)
		select ${a.itemId}::uuid, t.id, v.id, ${a.quantity}, v.price, v.currency
		from target t cross join verdict v where v.outcome = 'ok'
		on conflict (cart_id, variant_id) do update set
			quantity = ci.quantity + excluded.quantity,
			unit_price = excluded.unit_price,
			currency = excluded.currency,
			updated_at = now()
		where ci.quantity + excluded.quantity <= least(${MAX_LINE_QUANTITY},
			(select ${availableUnits(latest)} from ${variants} latest where latest.id = excluded.variant_id))
		returning ci.id
	), touch as (
		update ${carts} set updated_at = now()
		where id in (select id from cart) and exists (select 1 from upsert)
		returning id
	)
	select exists (select 1 from target) as has_cart,
		(select outcome from verdict) as outcome,
		(select available from variant) as available,
		(select in_cart from verdict) as in_cart,
		(select cart_currency from verdict) as cart_currency,
		exists (select 1 from upsert) as written`;
}

export interface SetQuantityRow extends Record<string, unknown> {
	found: boolean;
	outcome: "ok" | "unavailable" | "out_of_stock" | "currency_mismatch" | null;
	available: number | null;
	written: boolean;
}

/**
 * Sets a line's quantity (1..99) in ONE statement, only when the line is in the owner's cart and
 * the variant is sellable with that much available; the line takes the current price.
 */
export function setQuantitySql(a: {
	owner: CartOwner;
	itemId: string;
	quantity: number;
}): SQL {
	return sql`with line as (
		select ci.id, ci.variant_id, ci.cart_id, ci.currency
		from ${cartItems} ci join ${carts} c on c.id = ci.cart_id
		where ci.id = ${a.itemId}::uuid and ${ownerSql(a.owner)}
	), verdict as (
		select l.id, v.price, v.currency,
			case
				when not ${sellable(v, p)} then 'unavailable'
				when v.currency <> l.currency then 'currency_mismatch'
				when ${a.quantity} > ${availableUnits(v)} then 'out_of_stock'
				else 'ok'
			end as outcome,
			${availableUnits(v)} as available
		from line l join ${variants} v on v.id = l.variant_id join ${products} p on p.id = v.product_id
	), upd as (
		update ${cartItems} ci set quantity = ${a.quantity}, unit_price = vd.price, updated_at = now()
		from verdict vd where ci.id = vd.id and vd.outcome = 'ok'
		returning ci.cart_id
	), touch as (
		update ${carts} set updated_at = now() where id in (select cart_id from upd) returning id
	)
	select exists (select 1 from line) as found,
		(select outcome from verdict) as outcome,
		(select available from verdict) as available,
		exists (select 1 from upd) as written`;
}

/** Removes one line (or, without `itemId`, every line) of the owner's cart in ONE statement. */
export function removeItemsSql(owner: CartOwner, itemId?: string): SQL {
	const which = itemId ? sql`and ci.id = ${itemId}::uuid` : sql``;
	return sql`with cart as (
		select c.id from ${carts} c where ${ownerSql(owner)}
	), del as (
		delete from ${cartItems} ci using cart where ci.cart_id = cart.id ${which}
		returning ci.id
	), touch as (
		update ${carts} set updated_at = now() where id in (select id from cart) returning id
	)
	select (select count(*)::int from del) as removed`;
}
