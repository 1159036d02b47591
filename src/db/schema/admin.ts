import { sql } from "drizzle-orm";
import {
	check,
	index,
	jsonb,
	pgTable,
	text,
	timestamp,
	uuid,
} from "drizzle-orm/pg-core";

/**
 * Every change an admin makes, written in the batch that makes it: who (the token's subject; no
 * FK, the row outlives the account), what, to which record, the record before and after, and the
 * request that did it.
 */
export const adminAuditLog = pgTable(
	"admin_audit_log",
	{
		id: uuid().primaryKey(),
		actorId: uuid().notNull(),
		/** e.g. `user.update`, `user.password_reset`. */
		action: text().notNull(),
		targetType: text().notNull(),
		targetId: text().notNull(),
		before: jsonb(),
		after: jsonb(),
		requestId: text(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index("admin_audit_log_created_idx").on(t.createdAt.desc(), t.id.desc()),
		index("admin_audit_log_target_idx").on(t.targetType, t.targetId),
		index("admin_audit_log_actor_idx").on(t.actorId),
		check(
			"admin_audit_log_action_format",
			sql`${t.action} ~ '^[a-z_.]{1,64}$'`,
		),
	],
);
