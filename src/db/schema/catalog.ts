import { type SQL, sql } from "drizzle-orm";
import {
	type AnyPgColumn,
	bigint,
	check,
	customType,
	foreignKey,
	index,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	unique,
	uniqueIndex,
	uuid,
} from "drizzle-orm/pg-core";

const tsvector = customType<{ data: string }>({
	dataType: () => "tsvector",
});

export const productStatus = pgEnum("product_status", [
	"draft",
	"active",
	"archived",
]);
export const variantStatus = pgEnum("variant_status", ["active", "archived"]);

const slugCheck = (column: AnyPgColumn): SQL =>
	sql`${column} ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(${column}) <= 120`;

const timestamps = {
	createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
};

export const categories = pgTable(
	"categories",
	{
		id: uuid().primaryKey(),
		parentId: uuid().references((): AnyPgColumn => categories.id, {
			onDelete: "restrict",
		}),
		slug: text().notNull(),
		name: text().notNull(),
		description: text().notNull().default(""),
		position: integer().notNull().default(0),
		...timestamps,
	},
	(t) => [
		uniqueIndex("categories_slug_key").on(t.slug),
		index("categories_parent_idx").on(t.parentId, t.position),
		check("categories_slug_format", slugCheck(t.slug)),
		check("categories_not_own_parent", sql`${t.parentId} <> ${t.id}`),
		check(
			"categories_name_length",
			sql`char_length(${t.name}) between 1 and 200`,
		),
	],
);

export const products = pgTable(
	"products",
	{
		id: uuid().primaryKey(),
		slug: text().notNull(),
		name: text().notNull(),
		description: text().notNull().default(""),
		status: productStatus().notNull().default("draft"),
		categoryId: uuid()
			.notNull()
			.references(() => categories.id, { onDelete: "restrict" }),
		tags: text().array().notNull().default(sql`'{}'::text[]`),
		/** ISO 4217; every variant of the product is priced in it (composite FK below). */
		currency: text().notNull(),
		/**
		 * Lowest/highest price of the product's active variants. Written by the same batch as
		 * every variant write (refreshPriceRangeSql) so the price sorts are index scans.
		 */
		priceMin: integer(),
		priceMax: integer(),
		/**
		 * The search document, maintained by the trigger products_search_document (migration
		 * 0006, hand-written SQL): name (A), category path names and tags (B), option values (C),
		 * description (D), unaccented and stemmed ('voidshop_search' configuration), with the
		 * joined forms of adjacent name/category words ("T Shirt" also as "tshirt").
		 */
		search: tsvector().notNull().default(sql`''::tsvector`),
		...timestamps,
	},
	(t) => [
		uniqueIndex("products_slug_key").on(t.slug),
		unique("products_id_currency_key").on(t.id, t.currency),
		index("products_category_idx").on(t.categoryId),
		index("products_search_idx").using("gin", t.search),
		index("products_active_newest_idx")
			.on(t.createdAt.desc(), t.id.desc())
			.where(sql`${t.status} = 'active'`),
		index("products_active_price_idx")
			.on(t.priceMin, t.id)
			.where(sql`${t.status} = 'active'`),
		index("products_active_name_idx")
			.on(t.name, t.id)
			.where(sql`${t.status} = 'active'`),
		check("products_slug_format", slugCheck(t.slug)),
		check(
			"products_name_length",
			sql`char_length(${t.name}) between 1 and 200`,
		),
		check("products_currency_format", sql`${t.currency} ~ '^[A-Z]{3}$'`),
		check(
			"products_price_range",
			sql`(${t.priceMin} is null) = (${t.priceMax} is null) and ${t.priceMin} >= 0 and ${t.priceMin} <= ${t.priceMax}`,
		),
	],
);

export const productOptions = pgTable(
	"product_options",
	{
		id: uuid().primaryKey(),
		productId: uuid()
			.notNull()
			.references(() => products.id, { onDelete: "cascade" }),
		name: text().notNull(),
		position: integer().notNull(),
		/** Ordered values as shown to shoppers, e.g. {S,M,L}. */
		values: text().array().notNull(),
	},
	(t) => [
		uniqueIndex("product_options_name_key").on(t.productId, t.name),
		check(
			"product_options_name_format",
			sql`${t.name} ~ '^[A-Za-z][A-Za-z0-9 _-]{0,31}$'`,
		),
		check("product_options_has_values", sql`cardinality(${t.values}) >= 1`),
	],
);

export const variants = pgTable(
	"variants",
	{
		id: uuid().primaryKey(),
		productId: uuid().notNull(),
		sku: text().notNull(),
		/** Option name → value, e.g. {"Size":"M","Colour":"Red"}. */
		options: jsonb().$type<Record<string, string>>().notNull().default({}),
		/** Lower-cased copy of `options` that the `color=red` filters match against. */
		optionsSearch: jsonb()
			.notNull()
			.generatedAlwaysAs(
				(): SQL => sql`lower(${variants.options}::text)::jsonb`,
			),
		price: integer().notNull(),
		compareAtPrice: integer(),
		currency: text().notNull(),
		onHand: integer().notNull().default(0),
		reserved: integer().notNull().default(0),
		status: variantStatus().notNull().default("active"),
		position: integer().notNull().default(0),
		...timestamps,
	},
	(t) => [
		foreignKey({
			name: "variants_product_currency_fk",
			columns: [t.productId, t.currency],
			foreignColumns: [products.id, products.currency],
		})
			.onDelete("cascade")
			.onUpdate("cascade"),
		uniqueIndex("variants_sku_key").on(t.sku),
		uniqueIndex("variants_product_options_key").on(t.productId, t.options),
		index("variants_product_price_idx").on(t.productId, t.price),
		index("variants_options_search_idx").using(
			"gin",
			sql`${t.optionsSearch} jsonb_path_ops`,
		),
		index("variants_available_idx").on(sql`(${t.onHand} - ${t.reserved})`),
		check("variants_price_non_negative", sql`${t.price} >= 0`),
		check(
			"variants_compare_at_price_non_negative",
			sql`${t.compareAtPrice} >= 0`,
		),
		check(
			"variants_compare_at_above_price",
			sql`${t.compareAtPrice} > ${t.price}`,
		),
		check("variants_on_hand_non_negative", sql`${t.onHand} >= 0`),
		check(
			"variants_reserved_within_on_hand",
			sql`${t.reserved} >= 0 and ${t.reserved} <= ${t.onHand}`,
		),
		check(
			"variants_sku_format",
			sql`${t.sku} ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'`,
		),
		check(
			"variants_options_object",
			sql`jsonb_typeof(${t.options}) = 'object'`,
		),
	],
);

/**
 * Distinct lexemes of every search document ever written, for typo correction by trigram
 * similarity (pg_trgm). Filled by the products_search_document trigger; never pruned (a stale
 * lexeme only costs a correction candidate that matches nothing).
 */
export const searchTerms = pgTable(
	"search_terms",
	{ term: text().primaryKey() },
	(t) => [
		index("search_terms_trgm_idx").using("gin", sql`${t.term} gin_trgm_ops`),
	],
);

export const images = pgTable(
	"images",
	{
		id: uuid().primaryKey(),
		productId: uuid()
			.notNull()
			.references(() => products.id, { onDelete: "cascade" }),
		variantId: uuid().references(() => variants.id, { onDelete: "set null" }),
		/** Content-addressed R2 key: sha256 of the bytes plus the type's extension. */
		key: text().notNull(),
		alt: text().notNull().default(""),
		/** Gallery order; unique per product (a deferrable constraint, see migration 0009). */
		position: integer().notNull().default(0),
		/** Displayed size read from the bytes at upload; null only for rows older than that. */
		width: integer(),
		height: integer(),
		contentType: text().notNull(),
		byteSize: integer().notNull(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index("images_key_idx").on(t.key),
		check(
			"images_content_type",
			sql`${t.contentType} in ('image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif')`,
		),
		// The bounds of image-format.ts (MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS).
		check(
			"images_dimensions",
			sql`(${t.width} is null and ${t.height} is null) or (${t.width} between 1 and 16384
				and ${t.height} between 1 and 16384 and ${t.width}::bigint * ${t.height} <= 50000000)`,
		),
		check("images_alt_length", sql`char_length(${t.alt}) <= 500`),
	],
);

export const inventoryLedger = pgTable(
	"inventory_ledger",
	{
		id: uuid().primaryKey(),
		/**
		 * The replay order. Drawn when the row is inserted, which every writer does after locking
		 * the variant row (and holding it to commit), so per variant it follows the order the
		 * changes were applied in; `created_at` is the transaction's start and misorders them.
		 */
		seq: bigint({ mode: "number" }).notNull().generatedAlwaysAsIdentity(),
		variantId: uuid()
			.notNull()
			.references(() => variants.id, { onDelete: "cascade" }),
		/** Change of on_hand (0 for a reservation or its release). */
		delta: integer().notNull(),
		/** on_hand after the change, so the ledger reads as a statement without replaying it. */
		onHandAfter: integer().notNull(),
		/** Change of reserved: + on `reserve`, - on `release` and `sale`. */
		reservedDelta: integer().notNull().default(0),
		/** The order behind an order's movement (reserve, release, sale, restock). */
		orderId: uuid(),
		reason: text().notNull(),
		/** The user (token subject) who made the change; no FK, system jobs have none. */
		actorId: uuid(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index("inventory_ledger_variant_seq_idx").on(t.variantId, t.seq),
		index("inventory_ledger_order_idx")
			.on(t.orderId)
			.where(sql`${t.orderId} is not null`),
		check(
			"inventory_ledger_moves_something",
			sql`${t.delta} <> 0 or ${t.reservedDelta} <> 0`,
		),
		check(
			"inventory_ledger_reason_length",
			sql`char_length(${t.reason}) between 1 and 200`,
		),
	],
);

/**
 * R2 objects to delete (a transactional outbox): written in the same statement that deletes
 * the last image rows using a key (a product delete, an image delete), drained by the cron job
 * `purge-orphan-images`, which deletes each object only while no image row uses its key and
 * keeps failed keys (attempts, last error) for the next run.
 */
export const imageDeletions = pgTable("image_deletions", {
	key: text().primaryKey(),
	queuedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	attempts: integer().notNull().default(0),
	lastError: text(),
	lastAttemptAt: timestamp({ withTimezone: true }),
});
