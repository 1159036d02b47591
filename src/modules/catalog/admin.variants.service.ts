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

/** Adds a variant (new option values are appended to the product's lists): 2 round trips. */
export async function addVariant(
	db: Db,
	params: { productId: string; variant: VariantInput; actorId?: string },
): Promise<AdminVariant> {
	const { productId, variant: input, actorId } = params;
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
	const ledger = initialStockLedger([row], actorId);
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
			read: db.execute<AdminVariant>(variantSql(row.id)),
		}),
	);
	const created = read.rows[0];
	if (!created) throw new Error("created variant not read back");
	return created;
}

/** Updates price, SKU, options, status or position; keeps the price range in step. */
export async function updateVariant(
	db: Db,
	params: { id: string; changes: Partial<Omit<VariantInput, "onHand">> },
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
			updated: db
				.update(variants)
				.set({
					...patch,
					...(options ? { options } : {}),
					updatedAt: sql`now()`,
				})
				.where(eq(variants.id, id))
				.returning({ id: variants.id }),
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
 * The price range is recomputed without it in the same transaction.
 */
export async function removeVariant(
	db: Db,
	params: { id: string },
): Promise<"deleted" | "archived"> {
	const { id } = params;
	const productOf = sql`(select product_id from ${variants} where id = ${id}::uuid)`;
	try {
		const { deleted } = await batch(db, {
			priceRange: refreshPriceRangeSql(productOf, id).map((q) => db.execute(q)),
			deleted: db
				.delete(variants)
				.where(eq(variants.id, id))
				.returning({ id: variants.id }),
		});
		if (!deleted[0]) throw new ApiError("NOT_FOUND", "Variant not found");
		return "deleted";
	} catch (err) {
		if (!stillReferencedBy(err)) throw err;
		await batch(db, {
			archived: db
				.update(variants)
				.set({ status: "archived", updatedAt: sql`now()` })
				.where(eq(variants.id, id)),
			priceRange: refreshPriceRangeSql(productOf).map((q) => db.execute(q)),
		});
		return "archived";
	}
}
