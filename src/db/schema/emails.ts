import { sql } from "drizzle-orm";
import {
	check,
	integer,
	jsonb,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uuid,
} from "drizzle-orm/pg-core";

export const emailDeliveryStatus = pgEnum("email_delivery_status", [
	"sending",
	"sent",
	"failed",
]);

/**
 * One row per idempotency key: claimed before sending, so a redelivered or concurrently
 * delivered message never sends twice. A stale `sending` claim (a consumer died mid-send)
 * can be re-claimed after a timeout.
 */
export const sentEmails = pgTable(
	"sent_emails",
	{
		idempotencyKey: text().primaryKey(),
		template: text().notNull(),
		recipient: text().notNull(),
		status: emailDeliveryStatus().notNull(),
		attempts: integer().notNull().default(1),
		lastError: text(),
		providerMessageId: text(),
		claimedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		sentAt: timestamp({ withTimezone: true }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [check("sent_emails_attempts_positive", sql`${t.attempts} > 0`)],
);

export const failedEmailReason = pgEnum("failed_email_reason", [
	"dead_letter",
	"rejected",
]);

/** Emails given up on: dead-lettered after the retries ran out, or rejected by the provider (4xx). */
export const failedEmails = pgTable("failed_emails", {
	id: uuid().primaryKey(),
	idempotencyKey: text().notNull().unique(),
	template: text().notNull(),
	recipient: text().notNull(),
	payload: jsonb().notNull(),
	reason: failedEmailReason().notNull(),
	lastError: text(),
	attempts: integer().notNull(),
	createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});
