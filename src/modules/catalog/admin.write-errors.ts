import {
	ApiError,
	conflict,
	PG,
	pgError,
	validationFailed,
} from "../../lib/errors";

/**
 * The database's verdicts on catalog writes, told apart by SQLSTATE and constraint name (never
 * by message text, which is for people and may change between servers and versions).
 */

/** Unique constraints → the request field they guard, and what the 409 says. */
const UNIQUE_FIELDS: Record<string, { field: string; message: string }> = {
	categories_slug_key: {
		field: "slug",
		message: "Another category already uses that slug",
	},
	products_slug_key: {
		field: "slug",
		message: "Another product already uses that slug",
	},
	variants_sku_key: {
		field: "sku",
		message: "Another variant already uses that SKU",
	},
	variants_product_options_key: {
		field: "options",
		message: "The product already has a variant with these option values",
	},
	product_options_name_key: {
		field: "options",
		message: "The product already has an option with that name",
	},
};

/**
 * The clashing value from a unique violation's detail (`Key (cols)=(values) already exists.`),
 * for the client's convenience only (never to classify the error). Keys scoped to a product
 * lead with product_id, which is not what the client sent: the rest is. JSON values are parsed.
 */
function clashingValue(detail: string | undefined): unknown {
	const match = /^Key \((.*?)\)=\((.*)\) already exists/.exec(detail ?? "");
	if (!match?.[1] || match[2] === undefined) return null;
	const value = match[1].startsWith("product_id,")
		? match[2].slice(match[2].indexOf(", ") + 2)
		: match[2];
	try {
		return value.startsWith("{") ? JSON.parse(value) : value;
	} catch {
		return value;
	}
}

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
		const unique = UNIQUE_FIELDS[pg.constraint];
		if (!unique) return err;
		return conflict(unique.message, {
			field: unique.field,
			value: clashingValue(pg.detail),
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
		return validationFailed("compareAtPrice must exceed the price", {
			path: "compareAtPrice",
			message: "must exceed the price",
			code: "too_small",
		});
	if (
		pg.code === PG.CHECK_VIOLATION &&
		pg.constraint === "variants_options_match_product"
	)
		return conflict(
			"The product's options changed meanwhile; read the product and retry",
			{ field: "options", value: null, reason: "options_changed" },
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
