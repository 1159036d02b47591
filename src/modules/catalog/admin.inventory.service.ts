import { and, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { inventoryLedger, products, variants } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { decodeKeyset, keysetPage } from "../../lib/keyset-cursor";
import { MAX_INT4 } from "../../lib/validation";
import { type AuditActor, auditSql } from "../admin/audit.queries";
import { translateWriteErrors } from "./admin.write-errors";
import { availableUnits } from "./stock.queries";

/** Exactly one of `delta` and `set` (the route schema guarantees it). */
interface Adjustment {
	delta?: number;
	set?: number;
	reason: string;
}

interface AdjustRow extends Record<string, unknown> {
	before: { on_hand: number; reserved: number } | null;
	after: { on_hand: number; reserved: number; delta: number } | null;
	ledger_id: string | null;
}

/**
 * Changes a variant's on_hand and writes the ledger row in ONE statement: the row is locked,
 * the UPDATE only applies when the result stays >= reserved (so >= 0), and the ledger insert
 * reads the UPDATE's RETURNING, as does the audit row (`inventory.adjust`: stock before and
 * after). A refused change is 409 INSUFFICIENT_STOCK, with neither; the CHECK constraints stand
 * behind the WHERE in case this code is ever bypassed.
 */
export async function adjustInventory(
	db: Db,
	params: { variantId: string; change: Adjustment },
	who: AuditActor,
) {
	const { variantId, change } = params;
	const target =
		change.set !== undefined
			? sql`${change.set}::int`
			: sql`(old.on_hand::bigint + ${change.delta ?? 0}::int)`;
	const { rows } = await translateWriteErrors(
		db.execute<AdjustRow>(sql`
		with old as (
			select id, on_hand, reserved from ${variants} where id = ${variantId}::uuid for update
		), upd as (
			update ${variants} v set on_hand = ${target}, updated_at = now()
			from old
			where v.id = old.id and ${target} >= old.reserved and ${target} <= ${MAX_INT4}
			returning v.id, v.on_hand, v.reserved, v.on_hand - old.on_hand as delta
		), led as (
			insert into ${inventoryLedger} (id, variant_id, delta, on_hand_after, reason, actor_id)
			select ${uuidv7()}::uuid, upd.id, upd.delta, upd.on_hand, ${change.reason}, ${who.actorId}::uuid
			from upd where upd.delta <> 0
			returning id
		), audit as (${auditSql(who, {
			action: "inventory.adjust",
			targetId: variantId,
			before: sql`json_build_object('onHand', old.on_hand, 'reserved', old.reserved)`,
			after: sql`json_build_object('onHand', upd.on_hand, 'reserved', upd.reserved, 'delta', upd.delta,
				'reason', ${change.reason}::text, 'ledgerId', (select id from led))`,
			from: sql`old, upd`,
		})})
		select (select json_build_object('on_hand', on_hand, 'reserved', reserved) from old) as before,
			(select json_build_object('on_hand', on_hand, 'reserved', reserved, 'delta', delta) from upd) as after,
			(select id from led) as ledger_id`),
	);
	const row = rows[0];
	if (!row?.before) throw new ApiError("NOT_FOUND", "Variant not found");
	if (!row.after)
		throw new ApiError(
			"INSUFFICIENT_STOCK",
			"Stock cannot go below zero or below what is reserved",
			{
				onHand: row.before.on_hand,
				reserved: row.before.reserved,
				requested: change.set ?? change.delta,
			},
		);
	return {
		variantId,
		onHand: row.after.on_hand,
		reserved: row.after.reserved,
		available: row.after.on_hand - row.after.reserved,
		delta: row.after.delta,
		ledgerId: row.ledger_id,
	};
}

/** The low-stock keyset: the last row's available units and SKU (unique), the sort order. */
function lowStockKeyset(
	value: unknown,
): { a: number; sku: string } | undefined {
	const k = value as { a?: unknown; sku?: unknown } | null;
	return k && Number.isSafeInteger(k.a) && typeof k.sku === "string"
		? { a: k.a as number, sku: k.sku }
		: undefined;
}

/**
 * Active variants with at most `threshold` units available, fewest first, in keyset pages
 * `{data, nextCursor}` (the product's status shown alongside: a draft product's variants may
 * still need stock). One round trip.
 */
export async function lowStock(
	db: Db,
	params: { threshold: number; limit: number; cursor?: string },
) {
	const available = availableUnits(variants);
	const after = params.cursor
		? decodeKeyset(params.cursor, lowStockKeyset)
		: undefined;
	const rows = await db
		.select({
			id: variants.id,
			sku: variants.sku,
			options: variants.options,
			onHand: variants.onHand,
			reserved: variants.reserved,
			available,
			product: {
				id: products.id,
				slug: products.slug,
				name: products.name,
				status: products.status,
			},
		})
		.from(variants)
		.innerJoin(products, eq(products.id, variants.productId))
		.where(
			and(
				eq(variants.status, "active"),
				lte(available, params.threshold),
				after
					? sql`(${available}, ${variants.sku}) > (${after.a}, ${after.sku})`
					: undefined,
			),
		)
		.orderBy(available, variants.sku)
		// One row more than the page says whether another page exists, in the same statement.
		.limit(params.limit + 1);
	const page = keysetPage(rows, params.limit, (last) => ({
		a: last.available,
		sku: last.sku,
	}));
	return { data: page.rows, nextCursor: page.nextCursor };
}
