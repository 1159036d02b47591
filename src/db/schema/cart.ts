import { sql } from "drizzle-orm";
import {
	check,
	index,
	integer,
	pgEnum,
	pgTable,
	text,
	timestamp,
	unique,
	uniqueIndex,
	uuid,
} from "drizzle-orm/pg-core";
import { variants } from "./catalog";
import { users } from "./users";

/**
 * `merged`: a guest cart folded into a user's cart at login/register (kept until purged);
 * `ordered`: checked out (an order was placed from it).
 */
export const cartStatus = pgEnum("cart_status", [
	"active",
	"merged",
	"ordered",
]);

/**
 * A shopper's cart: a signed-in user's (one active per user) or a guest's, found by the SHA-256
 * (hex) of an opaque cart token. `updated_at` moves on every write; the cron purges guest carts
 * untouched for 30 days.
 */
export const carts = pgTable(
	"carts",
	{
		id: uuid().primaryKey(),
		userId: uuid().references(() => users.id, { onDelete: "cascade" }),
		tokenHash: text(),
		status: cartStatus().notNull().default("active"),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		uniqueIndex("carts_token_hash_key").on(t.tokenHash),
		uniqueIndex("carts_user_active_key")
			.on(t.userId)
			.where(sql`${t.status} = 'active'`),
		index("carts_guest_updated_idx")
			.on(t.updatedAt)
			.where(sql`${t.userId} is null`),
		check(
			"carts_token_hash_is_sha256_hex",
			sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`,
		),
		// An active cart belongs to exactly one of a user or a guest token.
		check(
			"carts_active_has_one_owner",
			sql`${t.status} <> 'active' or ((${t.userId} is null) <> (${t.tokenHash} is null))`,
		),
	],
);

/**
 * One line per variant per cart. `unit_price`/`currency` are what the shopper saw when adding or
 * last changing the line; reads re-price from the catalog and report the difference.
 */
export const cartItems = pgTable(
	"cart_items",
	{
		id: uuid().primaryKey(),
		cartId: uuid()
			.notNull()
			.references(() => carts.id, { onDelete: "cascade" }),
		// Restrict: deleting a variant that sits in a cart archives it instead (see removeVariant),
		// so the shopper sees an `unavailable` notice rather than a line silently vanishing.
		variantId: uuid()
			.notNull()
			.references(() => variants.id, { onDelete: "restrict" }),
		quantity: integer().notNull(),
		unitPrice: integer().notNull(),
		currency: text().notNull(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		unique("cart_items_cart_variant_key").on(t.cartId, t.variantId),
		index("cart_items_variant_idx").on(t.variantId),
		check("cart_items_quantity_range", sql`${t.quantity} between 1 and 99`),
		check("cart_items_unit_price_non_negative", sql`${t.unitPrice} >= 0`),
		check("cart_items_currency_format", sql`${t.currency} ~ '^[A-Z]{3}$'`),
	],
);
