import { ApiError, PG, pgError } from "../../lib/errors";

/** Unique constraints → the request field they guard. */
const UNIQUE_FIELDS: Record<string, string> = {
	categories_slug_key: "slug",
	products_slug_key: "slug",
	variants_sku_key: "sku",
	variants_product_options_key: "options",
	product_options_name_key: "options",
};

/** Foreign keys → the request field naming the referenced row. */
const REFERENCE_FIELDS: Record<string, string> = {
	products_category_id_categories_id_fk: "categoryId",
	categories_parent_id_categories_id_fk: "parentId",
	variants_product_currency_fk: "productId",
};

const STOCK_CHECKS = new Set([
	"variants_on_hand_non_negative",
	"variants_reserved_within_on_hand",
]);

/**
 * Turns the database's verdict on a catalog write into the API's: duplicate slug/SKU → 409
 * naming the field, a dangling reference → 404 naming it, a stock CHECK → 409
 * INSUFFICIENT_STOCK. Anything else is rethrown unchanged (a 500).
 */
export function catalogWriteError(err: unknown): unknown {
	const pg = pgError(err);
	if (!pg?.constraint) return err;
	if (pg.code === PG.UNIQUE_VIOLATION) {
		const field = UNIQUE_FIELDS[pg.constraint];
		if (!field) return err;
		const value = /\)=\((.*)\) already exists/.exec(pg.detail ?? "")?.[1];
		return new ApiError("CONFLICT", `That ${field} is already taken`, {
			field,
			...(value !== undefined && field !== "options" ? { value } : {}),
		});
	}
	if (pg.code === PG.FOREIGN_KEY_VIOLATION) {
		const field = REFERENCE_FIELDS[pg.constraint];
		if (field && /is not present in table/.test(pg.detail ?? ""))
			return new ApiError(
				"NOT_FOUND",
				`The referenced ${field} does not exist`,
				{
					field,
				},
			);
		return err;
	}
	if (pg.code === PG.CHECK_VIOLATION && STOCK_CHECKS.has(pg.constraint))
		return new ApiError(
			"INSUFFICIENT_STOCK",
			"Stock cannot go below zero or below what is reserved",
		);
	return err;
}

/** `promise`, with catalog write errors translated (see catalogWriteError). */
export async function translateWriteErrors<T>(promise: Promise<T>): Promise<T> {
	try {
		return await promise;
	} catch (err) {
		throw catalogWriteError(err);
	}
}

/** Whether `err` is a foreign key still pointing at the row being deleted. */
export function isStillReferenced(err: unknown): boolean {
	const pg = pgError(err);
	return (
		(pg?.code === PG.FOREIGN_KEY_VIOLATION ||
			pg?.code === PG.RESTRICT_VIOLATION) &&
		/is (still )?referenced from table/.test(pg.detail ?? "")
	);
}
