import { eq, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import {
	inventoryLedger,
	productOptions,
	products,
	variants,
} from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import {
	type AuditActor,
	auditedChange,
	auditedUpdate,
	auditSql,
} from "../admin/audit.queries";
import {
	initialStockLedger,
	type VariantInput,
} from "./admin.products.service";
import {
	appendOptionValuesSql,
	canonicalOptions,
	type ProductOption,
	refreshPriceRangeSql,
} from "./admin.variant-options";
import { stillReferencedBy, translateWriteErrors } from "./admin.write-errors";
import type { DetailRow } from "./product-detail.queries";
import { availability, availableUnits } from "./stock.queries";

/** A variant as the product view shows it, plus the fields only its own admin view returns. */
type AdminVariant = DetailRow["variants"][number] & {
	productId: string;
	position: number;
};

const v = alias(variants, "v");
const p = alias(products, "p");

const variantSql = (
	id: string,
) => sql`select v.id, v.product_id as "productId", v.sku,
	v.options, v.price, v.compare_at_price as "compareAtPrice", v.currency, v.status, v.position,
	v.on_hand as "onHand", v.reserved, ${availableUnits(v)} as available,
	${availability(v, p)} as availability
	from ${variants} v join ${products} p on p.id = v.product_id where v.id = ${id}::uuid`;

/** The product's currency and options (to validate a variant against), or 404. */
async function productContext(db: Db, where: SQL) {
	const { rows } = await db.execute<{
		product_id: string;
		currency: string;
		options: ProductOption[];
	}>(sql`select p.id as product_id, p.currency,
		coalesce((select json_agg(json_build_object('name', o.name, 'values', o.values) order by o.position)
			from ${productOptions} o where o.product_id = p.id), '[]') as options
		from ${products} p where ${where}`);
	return rows[0];
}

/**
 * Adds a variant (new option values are appended to the product's lists), audited
 * (`variant.create`) in its batch: 2 round trips.
 */
export async function addVariant(
	db: Db,
	params: { productId: string; variant: VariantInput },
	who: AuditActor,
): Promise<AdminVariant> {
	const { productId, variant: input } = params;
	const product = await productContext(db, sql`p.id = ${productId}::uuid`);
	if (!product) throw new ApiError("NOT_FOUND", "Product not found");
	const options = canonicalOptions(product.options, input.options, "options");
	const row = {
		id: uuidv7(),
		productId,
		sku: input.sku,
		options,
		price: input.price,
		compareAtPrice: input.compareAtPrice ?? null,
		currency: product.currency,
		onHand: input.onHand ?? 0,
		status: input.status ?? "active",
		position: input.position ?? 0,
	};
	const ledger = initialStockLedger([row], who.actorId);
	const { read } = await translateWriteErrors(
		batch(db, {
			variant: db.insert(variants).values(row),
			optionValues: appendOptionValuesSql(productId, options).map((q) =>
				db.execute(q),
			),
			ledger:
				ledger.length > 0
					? db.insert(inventoryLedger).values(ledger)
					: undefined,
			priceRange: refreshPriceRangeSql(sql`${productId}::uuid`).map((q) =>
				db.execute(q),
			),
			audit: db.execute(
				auditSql(who, {
					action: "variant.create",
					targetId: row.id,
					after: {
						productId,
						sku: row.sku,
						options,
						price: row.price,
						compareAtPrice: row.compareAtPrice,
						status: row.status,
						position: row.position,
						onHand: row.onHand,
					},
				}),
			),
			read: db.execute<AdminVariant>(variantSql(row.id)),
		}),
	);
	const created = read.rows[0];
	if (!created) throw new Error("created variant not read back");
	return created;
}

/**
 * Updates price, SKU, options, status or position, audited (`variant.update`, `after` the
 * changes); keeps the price range in step.
 */
export async function updateVariant(
	db: Db,
	params: { id: string; changes: Partial<Omit<VariantInput, "onHand">> },
	who: AuditActor,
): Promise<AdminVariant> {
	const { id, changes: patch } = params;
	const product = await productContext(
		db,
		sql`p.id = (select product_id from ${variants} where id = ${id}::uuid)`,
	);
	if (!product) throw new ApiError("NOT_FOUND", "Variant not found");
	const options =
		patch.options === undefined
			? undefined
			: canonicalOptions(product.options, patch.options, "options");
	const { updated, read } = await translateWriteErrors(
		batch(db, {
			updated: auditedUpdate(
				db,
				variants,
				{
					set: {
						...patch,
						...(options ? { options } : {}),
						updatedAt: sql`now()`,
					},
					row: eq(variants.id, id),
					selection: { id: variants.id },
				},
				who,
				{
					action: "variant.update",
					targetId: id,
					after: { ...patch, ...(options ? { options } : {}) },
				},
			),
			optionValues: appendOptionValuesSql(
				product.product_id,
				options ?? {},
			).map((q) => db.execute(q)),
			priceRange: refreshPriceRangeSql(sql`${product.product_id}::uuid`).map(
				(q) => db.execute(q),
			),
			read: db.execute<AdminVariant>(variantSql(id)),
		}),
	);
	const variant = read.rows[0];
	if (!updated[0] || !variant)
		throw new ApiError("NOT_FOUND", "Variant not found");
	return variant;
}

/**
 * Removes a variant, or archives it when something (orders, later) still references it.
 * The price range is recomputed without it in the same transaction. Either way the statement
 * that does it writes the audit row (`variant.delete`): `before` the deleted variant, or
 * `after` `{status: "archived"}`.
 */
export async function removeVariant(
	db: Db,
	params: { id: string },
	who: AuditActor,
): Promise<"deleted" | "archived"> {
	const { id } = params;
	const productOf = sql`(select product_id from ${variants} where id = ${id}::uuid)`;
	const gone = {
		id: variants.id,
		productId: variants.productId,
		sku: variants.sku,
	};
	try {
		const { deleted } = await batch(db, {
			priceRange: refreshPriceRangeSql(productOf, id).map((q) => db.execute(q)),
			deleted: auditedChange(
				db,
				db.delete(variants).where(eq(variants.id, id)).returning(gone),
				gone,
				who,
				{
					action: "variant.delete",
					targetId: id,
					before: sql`json_build_object('productId', changed.product_id, 'sku', changed.sku)`,
				},
			),
		});
		if (!deleted[0]) throw new ApiError("NOT_FOUND", "Variant not found");
		return "deleted";
	} catch (err) {
		if (!stillReferencedBy(err)) throw err;
		await batch(db, {
			archived: auditedChange(
				db,
				db
					.update(variants)
					.set({ status: "archived", updatedAt: sql`now()` })
					.where(eq(variants.id, id))
					.returning({ id: variants.id }),
				{ id: variants.id },
				who,
				{
					action: "variant.delete",
					targetId: id,
					after: { status: "archived" },
				},
			),
			priceRange: refreshPriceRangeSql(productOf).map((q) => db.execute(q)),
		});
		return "archived";
	}
}
