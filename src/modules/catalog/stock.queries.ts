import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";

/**
 * The stock rule, one module for the catalog, the cart and checkout:
 *
 * - A variant is **sellable** when it and its product are both `active`. One that is not is
 *   `unavailable` everywhere, whatever its stock: shown so in carts and admin views, refused with
 *   409 UNAVAILABLE when added or when its cart line changes, left behind by a guest-cart merge.
 * - What can be sold is its **available** units, `on_hand - reserved`.
 * - Shoppers see that as one label, `Availability`.
 *
 * Fragments take the columns of the table or alias the statement uses, so the query builder
 * passes `variants` itself and raw SQL passes `alias(variants, "v")` for `from ${variants} v`.
 */

/** Below this many available units a sellable variant shows as `low_stock`. */
const LOW_STOCK_THRESHOLD = 5;

export type Availability =
	| "unavailable"
	| "out_of_stock"
	| "low_stock"
	| "in_stock";

type Columns<K extends string> = Record<K, AnyPgColumn>;

/**
 * Units that can be sold now. Never negative: the CHECK variants_reserved_within_on_hand keeps
 * `reserved <= on_hand`. Written exactly as the expression index variants_available_idx.
 */
export function availableUnits(v: Columns<"onHand" | "reserved">): SQL<number> {
	return sql<number>`(${v.onHand} - ${v.reserved})`;
}

/** Whether the variant can be bought at all: it and its product are both active. */
export function sellable(
	v: Columns<"status">,
	p: Columns<"status">,
): SQL<boolean> {
	return sql<boolean>`(${v.status} = 'active' and ${p.status} = 'active')`;
}

/** The one label shoppers and admins see for a variant. */
export function availability(
	v: Columns<"onHand" | "reserved" | "status">,
	p: Columns<"status">,
): SQL<Availability> {
	const units = availableUnits(v);
	return sql<Availability>`case
		when not ${sellable(v, p)} then 'unavailable'
		when ${units} <= 0 then 'out_of_stock'
		when ${units} <= ${LOW_STOCK_THRESHOLD} then 'low_stock'
		else 'in_stock' end`;
}
