import { sql } from "drizzle-orm";
import {
	check,
	index,
	pgTable,
	text,
	timestamp,
	uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users";

/** A customer's saved postal addresses (shipping/billing), always read and written by owner. */
export const addresses = pgTable(
	"addresses",
	{
		id: uuid().primaryKey(),
		userId: uuid()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		name: text().notNull(),
		line1: text().notNull(),
		line2: text(),
		city: text().notNull(),
		region: text(),
		postalCode: text().notNull(),
		/** ISO 3166-1 alpha-2, upper case. */
		country: text().notNull(),
		phone: text(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index("addresses_user_id_idx").on(t.userId),
		check("addresses_country_alpha2", sql`${t.country} ~ '^[A-Z]{2}$'`),
		check(
			"addresses_required_not_blank",
			sql`btrim(${t.name}) <> '' and btrim(${t.line1}) <> '' and btrim(${t.city}) <> '' and btrim(${t.postalCode}) <> ''`,
		),
	],
);
