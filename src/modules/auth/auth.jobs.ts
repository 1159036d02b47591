import { and, isNotNull, lt, or, sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { passwordResetTokens, sessions } from "../../db/schema";

/**
 * Ended sessions are kept a week after they end (support can see why a user was signed out);
 * their refresh tokens go with them (ON DELETE CASCADE). Reset tokens go a day after expiry/use.
 */
export async function purgeExpiredAuthTokens(
	db: Db,
): Promise<{ sessions: number; resetTokens: number }> {
	const weekAgo = sql`now() - interval '7 days'`;
	const dayAgo = sql`now() - interval '1 day'`;
	const deleted = await batch(db, {
		sessions: db
			.delete(sessions)
			.where(
				or(
					lt(sessions.expiresAt, weekAgo),
					and(isNotNull(sessions.revokedAt), lt(sessions.revokedAt, weekAgo)),
				),
			)
			.returning({ id: sessions.id }),
		resetTokens: db
			.delete(passwordResetTokens)
			.where(
				or(
					lt(passwordResetTokens.expiresAt, dayAgo),
					lt(passwordResetTokens.usedAt, dayAgo),
				),
			)
			.returning({ id: passwordResetTokens.id }),
	});
	return {
		sessions: deleted.sessions.length,
		resetTokens: deleted.resetTokens.length,
	};
}
