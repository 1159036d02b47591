import { eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { inventoryLedger, products, variants } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import {
	initialStockLedger,
	type VariantInput,
} from "./admin.products.service";
import type { DetailRow } from "./detail.query";
import { availability, availableUnits } from "./stock.sql";
import {
	appendOptionValuesSql,
	canonicalOptions,
	type ProductOption,
	refreshPriceRangeSql,
} from "./variant-options";
import { isStillReferenced, translateWriteErrors } from "./write-errors";

type Batch = [BatchItem<"pg">, ...BatchItem<"pg">[]];

/** A variant as the product view shows it, plus the fields only its own admin view returns. */
export type AdminVariant = DetailRow["variants"][number] & {
	productId: string;
	position: number;
} & Record<string, unknown>;

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
			from product_options o where o.product_id = p.id), '[]') as options
		from products p where ${where}`);
	return rows[0];
}

/** Adds a variant (new option values are appended to the product's lists): 2 round trips. */
export async function addVariant(
	db: Db,
	productId: string,
	input: VariantInput,
	actorId: string | undefined,
): Promise<AdminVariant> {
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
	const statements: BatchItem<"pg">[] = [
		db.insert(variants).values(row),
		...appendOptionValuesSql(productId, options).map((q) => db.execute(q)),
	];
	if (ledger.length > 0)
		statements.push(db.insert(inventoryLedger).values(ledger));
	statements.push(db.execute(refreshPriceRangeSql(sql`${productId}::uuid`)));
	statements.push(db.execute<AdminVariant>(variantSql(row.id)));
	const results = await translateWriteErrors(db.batch(statements as Batch));
	return (results.at(-1) as { rows: AdminVariant[] }).rows[0] as AdminVariant;
}

/** Updates price, SKU, options, status or position; keeps the price range in step. */
export async function updateVariant(
	db: Db,
	id: string,
	patch: Partial<Omit<VariantInput, "onHand">>,
): Promise<AdminVariant> {
	const product = await productContext(
		db,
		sql`p.id = (select product_id from variants where id = ${id}::uuid)`,
	);
	if (!product) throw new ApiError("NOT_FOUND", "Variant not found");
	const options =
		patch.options === undefined
			? undefined
			: canonicalOptions(product.options, patch.options, "options");
	const [updated, ...rest] = await translateWriteErrors(
		db.batch([
			db
				.update(variants)
				.set({
					...patch,
					...(options ? { options } : {}),
					updatedAt: sql`now()`,
				})
				.where(eq(variants.id, id))
				.returning({ id: variants.id }),
			...appendOptionValuesSql(product.product_id, options ?? {}).map((q) =>
				db.execute(q),
			),
			db.execute(refreshPriceRangeSql(sql`${product.product_id}::uuid`)),
			db.execute<AdminVariant>(variantSql(id)),
		] as Batch),
	);
	const read = (rest.at(-1) as { rows: AdminVariant[] }).rows[0];
	if (!(updated as unknown[])[0] || !read)
		throw new ApiError("NOT_FOUND", "Variant not found");
	return read;
}

/**
 * Removes a variant, or archives it when something (orders, later) still references it.
 * The price range is recomputed without it in the same transaction.
 */
export async function removeVariant(
	db: Db,
	id: string,
): Promise<"deleted" | "archived"> {
	const productOf = sql`(select product_id from variants where id = ${id}::uuid)`;
	try {
		const [, deleted] = await db.batch([
			db.execute(refreshPriceRangeSql(productOf, id)),
			db
				.delete(variants)
				.where(eq(variants.id, id))
				.returning({ id: variants.id }),
		]);
		if (!deleted[0]) throw new ApiError("NOT_FOUND", "Variant not found");
		return "deleted";
	} catch (err) {
		if (!isStillReferenced(err)) throw err;
		await db.batch([
			db
				.update(variants)
				.set({ status: "archived", updatedAt: sql`now()` })
				.where(eq(variants.id, id)),
			db.execute(refreshPriceRangeSql(productOf)),
		]);
		return "archived";
	}
}
