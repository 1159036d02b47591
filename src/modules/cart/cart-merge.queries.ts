import { sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { cartItems, carts, products, variants } from "../../db/schema";
import { uuidv7 } from "../../lib/ids";
import { availableUnits, sellable } from "../catalog/stock.queries";
import { MAX_LINE_QUANTITY } from "./cart.queries";

const v = alias(variants, "v");
const p = alias(products, "p");

/** The guest cart (by token hash) a login or registration folds into the user's cart. */
export interface GuestCart {
	tokenHash: string;
}

/** Why a guest line did not arrive in the user's cart exactly as requested. */
export type MergeAdjustment = {
	variantId: string;
	sku: string;
	/** What the merged line would hold uncapped: the user's quantity plus the guest's. */
	requested: number;
	/** What the user's cart holds now (0: the line was left out). */
	quantity: number;
	reason:
		| "capped_at_stock"
		| "capped_at_max"
		| "out_of_stock"
		| "unavailable"
		| "currency_mismatch";
};

/** Reported by login and register as `cartMerge` when a guest cart token came with them. */
export interface CartMergeOutcome {
	/** True when a guest cart was folded in (and closed) by this request. */
	merged: boolean;
	/** Guest lines now in the user's cart (moved, or summed into a line already there). */
	lines: number;
	adjusted: MergeAdjustment[];
}

interface MergeRow extends Record<string, unknown> {
	merged: boolean;
	lines: number;
	adjusted: MergeAdjustment[];
}

/**
 * The named statements that merge a guest cart into a user's, for the caller's batch (login's
 * second round trip, register's only one), after the statement that creates the user when there
 * is one; read the outcome with cartMergeOutcome.
 *
 * 1. Lock the active guest cart and, if there is one, create-or-lock the user's active cart, so
 *    the merge below sees every line committed before it and concurrent adds wait for it.
 * 2. Move guest lines the user's cart lacks, sum those it has, capped at available stock and 99;
 *    lines out of stock, unavailable or in another currency stay behind. The guest cart is closed
 *    and its token hash erased, so the token stops working and a repeated merge finds nothing.
 */
export function guestCartMergeStatements(
	db: Db,
	params: { userId: string; tokenHash: string },
) {
	const guest = sql`select c.id from ${carts} c
		where c.token_hash = ${params.tokenHash} and c.status = 'active' and c.user_id is null`;
	const lock = db.execute(sql`with guest as (${guest} for update)
		insert into ${carts} (id, user_id) select ${uuidv7()}::uuid, ${params.userId}::uuid from guest
		on conflict (user_id) where status = 'active' do update set updated_at = now()
		returning id`);
	const merge = db.execute<MergeRow>(sql`with guest as (${guest}
	), target as (
		select c.id from ${carts} c where c.user_id = ${params.userId}::uuid and c.status = 'active'
	), target_currency as (
		select min(ci.currency) as currency from ${cartItems} ci join target t on ci.cart_id = t.id
	), plan as (
		select gi.id, gi.variant_id, v.sku, e.id as existing_id,
			coalesce(e.quantity, 0) as existing_quantity,
			coalesce(e.quantity, 0) + gi.quantity as requested,
			${availableUnits(v)} as available,
			case
				when not ${sellable(v, p)} then 'unavailable'
				when tc.currency is not null and tc.currency <> gi.currency then 'currency_mismatch'
				when ${availableUnits(v)} <= 0 then 'out_of_stock'
			end as skipped
		from ${cartItems} gi
		join guest g on gi.cart_id = g.id
		join ${variants} v on v.id = gi.variant_id
		join ${products} p on p.id = v.product_id
		cross join target_currency tc
		left join ${cartItems} e on e.cart_id = (select id from target) and e.variant_id = gi.variant_id
	), capped as (
		select *, least(requested, available, ${MAX_LINE_QUANTITY}) as quantity from plan
	), moved as (
		update ${cartItems} ci set cart_id = (select id from target), quantity = k.quantity,
			updated_at = now()
		from capped k where ci.id = k.id and k.skipped is null and k.existing_id is null
		returning ci.id
	), summed as (
		update ${cartItems} ci set quantity = k.quantity, updated_at = now()
		from capped k where ci.id = k.existing_id and k.skipped is null
		returning ci.id
	), closed as (
		update ${carts} c set status = 'merged', token_hash = null, updated_at = now()
		from guest g where c.id = g.id
		returning c.id
	), touched as (
		update ${carts} c set updated_at = now() from target t
		where c.id = t.id and exists (select 1 from closed)
		returning c.id
	)
	select exists (select 1 from closed) as merged,
		(select count(*)::int from moved) + (select count(*)::int from summed) as lines,
		coalesce((select json_agg(json_build_object(
			'variantId', k.variant_id, 'sku', k.sku, 'requested', k.requested,
			'quantity', case when k.skipped is null then k.quantity else k.existing_quantity end,
			'reason', coalesce(k.skipped,
				case when k.quantity = k.available then 'capped_at_stock' else 'capped_at_max' end)
		) order by k.sku) from capped k where k.skipped is not null or k.quantity < k.requested), '[]')
		as adjusted`);
	return { cartLock: lock, cartMerge: merge };
}

/** The merge's outcome, from the batch result of its `cartMerge` statement. */
export function cartMergeOutcome(result: {
	rows: MergeRow[];
}): CartMergeOutcome {
	const row = result.rows[0];
	return {
		merged: row?.merged ?? false,
		lines: row?.lines ?? 0,
		adjusted: row?.adjusted ?? [],
	};
}
