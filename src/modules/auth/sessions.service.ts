import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import type { AuthUser } from "../../app-env";
import type { Db } from "../../db/client";
import { refreshTokens, sessions, users } from "../../db/schema";
import { uuidv7 } from "../../lib/ids";
import { randomToken, sha256Hex, successorToken } from "../../lib/tokens";

/** Absolute session lifetime: rotation never extends it. */
const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

export interface IssuedSession {
	sessionId: string;
	refreshToken: string;
	expiresAt: Date;
}

/** Longest User-Agent kept on a session (the sessions_user_agent_length CHECK). */
const USER_AGENT_MAX = 256;

/**
 * The named statements that open a session (family + first token), for the caller's batch.
 * `userAgent` is the signing-in request's, kept so operators can tell a user's devices apart.
 */
export async function newSession(
	db: Db,
	userId: string,
	userAgent?: string | null,
) {
	const now = new Date();
	const issued: IssuedSession = {
		sessionId: uuidv7(),
		refreshToken: randomToken(),
		expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
	};
	const statements = {
		session: db.insert(sessions).values({
			id: issued.sessionId,
			userId,
			createdAt: now,
			expiresAt: issued.expiresAt,
			userAgent: userAgent?.slice(0, USER_AGENT_MAX) || null,
		}),
		refreshToken: db.insert(refreshTokens).values({
			id: uuidv7(),
			sessionId: issued.sessionId,
			tokenHash: await sha256Hex(issued.refreshToken),
		}),
	};
	return { issued, statements };
}

type RotationResult =
	| {
			ok: true;
			user: Pick<AuthUser, "id" | "role" | "sessionId">;
			session: IssuedSession;
	  }
	| { ok: false; reuseDetected: boolean; raced: boolean };

/**
 * Rotates a refresh token in ONE statement: the presented token is marked used only if it is
 * unused and its session is live (not revoked, not expired, user not disabled); the successor is
 * inserted only when that update happened. Two concurrent submissions of one token therefore
 * mint at most one successor (the loser's conditional update matches nothing). Presenting an
 * already-used token revokes its whole session, so the thief's (or owner's) newest token dies too —
 * except within `graceMs` of its rotation: then it answers the same successor again (derived, not
 * stored: see successorToken), so two tabs refreshing at once both stay signed in. `raced` means
 * a concurrent rotation of the same token committed while this statement ran; run it again.
 */
export async function rotateRefreshToken(
	db: Db,
	params: { refreshToken: string; graceMs: number; secret: string },
): Promise<RotationResult> {
	const presentedHash = await sha256Hex(params.refreshToken);
	const successorId = uuidv7();
	const successor = await successorToken(params.secret, params.refreshToken);
	const successorHash = await sha256Hex(successor);
	const grace = sql`${params.graceMs}::int * interval '1 millisecond'`;
	const { rows } = await db.execute<{
		user_id: string;
		role: AuthUser["role"];
		session_id: string;
		expires_epoch: number;
		rotated: boolean;
		in_grace: boolean;
		reuse_detected: boolean;
		raced: boolean;
	}>(sql`
		with presented as (
			select t.id, t.session_id, t.used_at, s.user_id, s.revoked_at, s.expires_at,
				u.role, u.disabled_at
			from ${refreshTokens} t
			join ${sessions} s on s.id = t.session_id
			join ${users} u on u.id = s.user_id
			where t.token_hash = ${presentedHash}
		),
		rotated as (
			update ${refreshTokens} t set used_at = now(), replaced_by = ${successorId}::uuid
			from presented p
			where t.id = p.id and t.used_at is null and p.revoked_at is null
				and p.expires_at > now() and p.disabled_at is null
			returning t.session_id
		),
		successor as (
			insert into ${refreshTokens} (id, session_id, token_hash)
			select ${successorId}::uuid, session_id, ${successorHash}::text from rotated
			returning id
		),
		in_grace as (
			select 1 from presented p
			where p.used_at is not null and p.used_at > now() - ${grace}
				and p.revoked_at is null and p.expires_at > now() and p.disabled_at is null
		),
		reuse as (
			update ${sessions} s set revoked_at = now(), revoked_reason = 'reuse_detected'
			from presented p
			where s.id = p.session_id and p.used_at is not null and s.revoked_at is null
				and not exists (select 1 from in_grace)
			returning s.id
		)
		select p.user_id, p.role, p.session_id,
			extract(epoch from p.expires_at)::float8 as expires_epoch,
			exists(select 1 from successor) as rotated,
			exists(select 1 from in_grace) as in_grace,
			exists(select 1 from reuse) as reuse_detected,
			p.used_at is null and not exists(select 1 from successor)
				and p.revoked_at is null and p.expires_at > now() and p.disabled_at is null as raced
		from presented p`);
	const row = rows[0];
	if (!row?.rotated && !row?.in_grace)
		return {
			ok: false,
			reuseDetected: row?.reuse_detected === true,
			raced: row?.raced === true,
		};
	return {
		ok: true,
		user: { id: row.user_id, role: row.role, sessionId: row.session_id },
		session: {
			sessionId: row.session_id,
			refreshToken: successor,
			expiresAt: new Date(row.expires_epoch * 1000),
		},
	};
}

/** Ends the session a refresh token belongs to; unknown or already-ended is fine (idempotent). */
export async function revokeSessionByToken(
	db: Db,
	params: { refreshToken: string },
): Promise<void> {
	const tokenHash = await sha256Hex(params.refreshToken);
	await db
		.update(sessions)
		.set({ revokedAt: sql`now()`, revokedReason: "logout" })
		.where(
			and(
				isNull(sessions.revokedAt),
				inArray(
					sessions.id,
					db
						.select({ id: refreshTokens.sessionId })
						.from(refreshTokens)
						.where(eq(refreshTokens.tokenHash, tokenHash)),
				),
			),
		);
}

/** Revokes every live session of a user (one round trip). */
export async function revokeAllSessions(
	db: Db,
	params: { userId: string },
): Promise<void> {
	await db
		.update(sessions)
		.set({ revokedAt: sql`now()`, revokedReason: "logout_all" })
		.where(and(eq(sessions.userId, params.userId), isNull(sessions.revokedAt)));
}
