import { sql } from "drizzle-orm";
import {
	check,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uniqueIndex,
	uuid,
} from "drizzle-orm/pg-core";

export const userRole = pgEnum("user_role", ["customer", "admin"]);

export const users = pgTable(
	"users",
	{
		id: uuid().primaryKey(),
		/** As typed by the user (trimmed); uniqueness is on the lower-cased form. */
		email: text().notNull(),
		name: text().notNull(),
		passwordHash: text().notNull(),
		role: userRole().notNull().default("customer"),
		disabledAt: timestamp({ withTimezone: true }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		uniqueIndex("users_email_lower_key").on(sql`lower(${t.email})`),
		check(
			"users_email_trimmed",
			sql`${t.email} = btrim(${t.email}) and ${t.email} <> ''`,
		),
		check("users_name_length", sql`char_length(${t.name}) between 1 and 200`),
	],
);
