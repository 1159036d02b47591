import { sql } from "drizzle-orm";
import {
	check,
	index,
	pgEnum,
	pgTable,
	text,
	timestamp,
	uuid,
} from "drizzle-orm/pg-core";
import { users } from "./users";

/** Why a session ended early; kept for support and incident review. */
export const sessionRevokedReason = pgEnum("session_revoked_reason", [
	"logout",
	"logout_all",
	"reuse_detected",
	"password_changed",
	"password_reset",
	"account_disabled",
]);

/**
 * A login session = one refresh-token family. Every rotation adds a token to the family; the
 * family's absolute expiry never moves, and revoking it kills every token in it at once.
 */
export const sessions = pgTable(
	"sessions",
	{
		id: uuid().primaryKey(),
		userId: uuid()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		revokedAt: timestamp({ withTimezone: true }),
		revokedReason: sessionRevokedReason(),
		/** The User-Agent that signed in (cut to 256 characters): the device operators see. */
		userAgent: text(),
	},
	(t) => [
		index("sessions_user_id_idx").on(t.userId),
		index("sessions_expires_at_idx").on(t.expiresAt),
		check(
			"sessions_expiry_after_creation",
			sql`${t.expiresAt} > ${t.createdAt}`,
		),
		check(
			"sessions_user_agent_length",
			sql`char_length(${t.userAgent}) <= 256`,
		),
		check(
			"sessions_revoked_has_reason",
			sql`(${t.revokedAt} is null) = (${t.revokedReason} is null)`,
		),
	],
);

/**
 * Refresh tokens, stored only as the SHA-256 (hex) of the opaque token. A token is usable once:
 * rotation sets `used_at` and `replaced_by`; presenting a used token again is reuse.
 */
export const refreshTokens = pgTable(
	"refresh_tokens",
	{
		id: uuid().primaryKey(),
		sessionId: uuid()
			.notNull()
			.references(() => sessions.id, { onDelete: "cascade" }),
		tokenHash: text().notNull().unique("refresh_tokens_token_hash_key"),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		usedAt: timestamp({ withTimezone: true }),
		/** The successor minted when this token was rotated (same session). */
		replacedBy: uuid(),
	},
	(t) => [
		index("refresh_tokens_session_id_idx").on(t.sessionId),
		check(
			"refresh_tokens_hash_is_sha256_hex",
			sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`,
		),
		check(
			"refresh_tokens_used_has_successor",
			sql`(${t.usedAt} is null) = (${t.replacedBy} is null)`,
		),
	],
);

/** Single-use password reset tokens (SHA-256 hex of the emailed token), valid for one hour. */
export const passwordResetTokens = pgTable(
	"password_reset_tokens",
	{
		id: uuid().primaryKey(),
		userId: uuid()
			.notNull()
			.references(() => users.id, { onDelete: "cascade" }),
		tokenHash: text().notNull().unique("password_reset_tokens_token_hash_key"),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		usedAt: timestamp({ withTimezone: true }),
	},
	(t) => [
		index("password_reset_tokens_user_id_idx").on(t.userId),
		index("password_reset_tokens_expires_at_idx").on(t.expiresAt),
		check(
			"password_reset_tokens_hash_is_sha256_hex",
			sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`,
		),
	],
);
