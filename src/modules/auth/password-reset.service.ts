import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { passwordResetTokens, sessions, users } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { randomToken, sha256Hex, TOKEN_PATTERN } from "../../lib/tokens";
import { hashPassword } from "./password";
import { weakPasswordReason } from "./password-policy";

/** A reset link works for an hour. */
const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

interface IssuedResetToken {
	tokenId: string;
	token: string;
	expiresAt: Date;
	to: { email: string; name: string };
}

/**
 * One round trip whether or not the account exists: the token row is inserted only for an
 * active account with that email. Returns the raw token (for the email only) or undefined.
 */
export async function issuePasswordResetToken(
	db: Db,
	params: { email: string },
): Promise<IssuedResetToken | undefined> {
	const tokenId = uuidv7();
	const token = randomToken();
	const expiresAt = new Date(Date.now() + RESET_TOKEN_TTL_MS);
	const { rows } = await db.execute<{ email: string; name: string }>(sql`
		with target as (
			select id, email, name from ${users}
			where lower(email) = lower(${params.email}) and disabled_at is null
		),
		issued as (
			insert into ${passwordResetTokens} (id, user_id, token_hash, expires_at)
			select ${tokenId}::uuid, id, ${await sha256Hex(token)}::text,
				${expiresAt.toISOString()}::timestamptz
			from target
			returning user_id
		)
		select t.email, t.name from target t join issued i on i.user_id = t.id`);
	const to = rows[0];
	return to && { tokenId, token, expiresAt, to };
}

const invalidToken = () =>
	new ApiError(
		"INVALID_RESET_TOKEN",
		"This password reset link is invalid or has expired",
	);

/**
 * Sets a new password with a single-use reset token: 2 round trips. The token is checked before
 * spending PBKDF2 on the new password; the final statement re-checks it (so two concurrent
 * resets cannot both win), burns every other outstanding reset token of the user and revokes all
 * of their sessions. Their access tokens are revoked (Redis marker) just before that statement.
 */
export async function resetPassword(
	db: Db,
	params: {
		token: string;
		password: string;
		/** PASSWORD_HASH_ROUNDS. */
		hashRounds: number;
		/** Sets the user's revocation marker before anything changes (lib/revocation.ts). */
		revokeAccessTokens: (userId: string) => Promise<unknown>;
	},
): Promise<void> {
	if (!TOKEN_PATTERN.test(params.token)) throw invalidToken();
	const tokenHash = await sha256Hex(params.token);
	const [account] = await db
		.select({ id: users.id, email: users.email })
		.from(passwordResetTokens)
		.innerJoin(users, eq(users.id, passwordResetTokens.userId))
		.where(
			and(
				eq(passwordResetTokens.tokenHash, tokenHash),
				isNull(passwordResetTokens.usedAt),
				gt(passwordResetTokens.expiresAt, sql`now()`),
			),
		);
	if (!account) throw invalidToken();
	const reason = weakPasswordReason(params.password, account.email);
	if (reason) throw new ApiError("WEAK_PASSWORD", reason);
	const passwordHash = await hashPassword(params.password, params.hashRounds);
	await params.revokeAccessTokens(account.id);
	const { rows } = await db.execute<{ id: string }>(sql`
		with consumed as (
			update ${passwordResetTokens} set used_at = now()
			where token_hash = ${tokenHash} and used_at is null and expires_at > now()
			returning user_id
		),
		updated as (
			update ${users} u set password_hash = ${passwordHash}, updated_at = now()
			from consumed c where u.id = c.user_id
			returning u.id
		),
		others as (
			update ${passwordResetTokens} p set used_at = now()
			from consumed c
			where p.user_id = c.user_id and p.used_at is null and p.token_hash <> ${tokenHash}
		),
		revoked as (
			update ${sessions} s set revoked_at = now(), revoked_reason = 'password_reset'
			from updated u where s.user_id = u.id and s.revoked_at is null
		)
		select id from updated`);
	if (rows.length === 0) throw invalidToken();
}
