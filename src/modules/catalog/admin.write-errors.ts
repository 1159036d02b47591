import { ApiError, PG, pgError } from "../../lib/errors";

/**
 * The database's verdicts on catalog writes, told apart by SQLSTATE and constraint name (never
 * by message text, which is for people and may change between servers and versions).
 */

/** Unique constraints → the request field they guard. */
const UNIQUE_FIELDS: Record<string, string> = {
	categories_slug_key: "slug",
	products_slug_key: "slug",
	variants_sku_key: "sku",
	variants_product_options_key: "options",
	product_options_name_key: "options",
};

/** The foreign keys a delete can run into (ON DELETE RESTRICT / NO ACTION). */
export const RESTRICTING = {
	childCategories: "categories_parent_id_categories_id_fk",
	products: "products_category_id_categories_id_fk",
	cartLines: "cart_items_variant_id_variants_id_fk",
} as const;

/** Foreign keys → the request field naming the referenced row, for inserts and updates. */
const REFERENCE_FIELDS: Record<string, string> = {
	[RESTRICTING.products]: "categoryId",
	[RESTRICTING.childCategories]: "parentId",
	variants_product_currency_fk: "productId",
};

const STOCK_CHECKS = new Set([
	"variants_on_hand_non_negative",
	"variants_reserved_within_on_hand",
]);

/**
 * Turns the database's verdict on a catalog insert or update into the API's: duplicate slug/SKU
 * → 409 naming the field, a dangling reference → 404 naming it (an insert or update can only break
 * a foreign key by pointing at a row that is not there), a stock CHECK → 409 INSUFFICIENT_STOCK,
 * a compare-at price not above the price → 400 VALIDATION_FAILED, variant options that no longer
 * match the product's (an option changed concurrently) → 409 CONFLICT.
 * Anything else is rethrown unchanged (a 500). Deletes use stillReferencedBy instead.
 */
function catalogWriteError(err: unknown): unknown {
	const pg = pgError(err);
	if (!pg?.constraint) return err;
	if (pg.code === PG.UNIQUE_VIOLATION) {
		const field = UNIQUE_FIELDS[pg.constraint];
		if (!field) return err;
		// The clashing value, for the client's convenience only (never to classify the error).
		const value = /\)=\((.*)\) already exists/.exec(pg.detail ?? "")?.[1];
		return new ApiError("CONFLICT", `That ${field} is already taken`, {
			field,
			...(value !== undefined && field !== "options" ? { value } : {}),
		});
	}
	if (pg.code === PG.FOREIGN_KEY_VIOLATION) {
		const field = REFERENCE_FIELDS[pg.constraint];
		return field
			? new ApiError("NOT_FOUND", `The referenced ${field} does not exist`, {
					field,
				})
			: err;
	}
	if (
		pg.code === PG.CHECK_VIOLATION &&
		pg.constraint === "variants_compare_at_above_price"
	)
		return new ApiError(
			"VALIDATION_FAILED",
			"compareAtPrice must exceed the price",
			{ field: "compareAtPrice" },
		);
	if (
		pg.code === PG.CHECK_VIOLATION &&
		pg.constraint === "variants_options_match_product"
	)
		return new ApiError(
			"CONFLICT",
			"The product's options changed meanwhile; read the product and retry",
			{ field: "options", reason: "options_changed" },
		);
	if (pg.code === PG.CHECK_VIOLATION && STOCK_CHECKS.has(pg.constraint))
		return new ApiError(
			"INSUFFICIENT_STOCK",
			"Stock cannot go below zero or below what is reserved",
		);
	return err;
}

/** `promise` (inserts and updates), with catalog write errors translated. */
export async function translateWriteErrors<T>(promise: Promise<T>): Promise<T> {
	try {
		return await promise;
	} catch (err) {
		throw catalogWriteError(err);
	}
}

/**
 * The foreign key (constraint name) that refused a delete because rows still reference the row
 * being deleted, or undefined when `err` is something else. RESTRICT reports 23001 on newer
 * servers, 23503 on older ones; a delete cannot break a foreign key any other way.
 */
export function stillReferencedBy(err: unknown): string | undefined {
	const pg = pgError(err);
	return pg?.code === PG.FOREIGN_KEY_VIOLATION ||
		pg?.code === PG.RESTRICT_VIOLATION
		? pg.constraint
		: undefined;
}
