import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import type { AuthUser } from "../../app-env";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import {
	passwordResetTokens,
	refreshTokens,
	sessions,
	users,
} from "../../db/schema";
import { ApiError, PG, pgError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { randomToken, sha256Hex } from "../../lib/tokens";
import {
	type CartMergeOutcome,
	cartMergeOutcome,
	guestCartMergeStatements,
} from "../cart/cart-merge.sql";
import { hashPassword, verifyPassword } from "./password";
import { weakPasswordReason } from "./password-policy";

/** Absolute session lifetime: rotation never extends it. */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;
export const RESET_TOKEN_TTL_MS = 60 * 60 * 1000;

/** What the API shows of a user: never the password hash or any token. */
export const publicUserColumns = {
	id: users.id,
	email: users.email,
	name: users.name,
	role: users.role,
	createdAt: users.createdAt,
};

export type PublicUser = {
	id: string;
	email: string;
	name: string;
	role: AuthUser["role"];
	createdAt: Date;
};

export interface IssuedSession {
	sessionId: string;
	refreshToken: string;
	expiresAt: Date;
}

/** The named statements that open a session (family + first token), for the caller's batch. */
async function newSession(db: Db, userId: string) {
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
		}),
		refreshToken: db.insert(refreshTokens).values({
			id: uuidv7(),
			sessionId: issued.sessionId,
			tokenHash: await sha256Hex(issued.refreshToken),
		}),
	};
	return { issued, statements };
}

function assertStrongPassword(password: string, email?: string): void {
	const reason = weakPasswordReason(password, email);
	if (reason) throw new ApiError("WEAK_PASSWORD", reason);
}

/** The guest cart (by token hash) a login or registration should fold into the user's cart. */
export interface GuestCart {
	tokenHash: string;
}

/** What register and login hand back: the account, its new session, and any guest-cart merge. */
interface SignedIn {
	user: PublicUser;
	session: IssuedSession;
	cartMerge?: CartMergeOutcome;
}

/**
 * Creates a customer and their first session in one round trip (one transactional batch), merging
 * a guest cart into the new account's cart in the same batch when one is given.
 */
export async function registerUser(
	db: Db,
	params: { email: string; password: string; name: string },
	guestCart?: GuestCart,
): Promise<SignedIn> {
	assertStrongPassword(params.password, params.email);
	const id = uuidv7();
	const passwordHash = await hashPassword(params.password);
	const { issued, statements } = await newSession(db, id);
	const merge =
		guestCart && guestCartMergeStatements(db, { userId: id, ...guestCart });
	try {
		const results = await batch(db, {
			user: db
				.insert(users)
				.values({ id, email: params.email, name: params.name, passwordHash })
				.returning(publicUserColumns),
			...statements,
			...merge,
		});
		const [user] = results.user;
		if (!user) throw new Error("insert returned no user");
		return {
			user,
			session: issued,
			...(results.cartMerge
				? { cartMerge: cartMergeOutcome(results.cartMerge) }
				: {}),
		};
	} catch (err) {
		const pg = pgError(err);
		if (
			pg?.code === PG.UNIQUE_VIOLATION &&
			pg.constraint === "users_email_lower_key"
		)
			throw new ApiError(
				"EMAIL_TAKEN",
				"An account with this email already exists",
			);
		throw err;
	}
}

const invalidCredentials = () =>
	new ApiError("INVALID_CREDENTIALS", "Email or password is incorrect");

/**
 * Two round trips: read the account, then (after PBKDF2) open the session, upgrading an old hash
 * and merging a guest cart in the same batch. Unknown email, wrong password and disabled account
 * all cost one PBKDF2 and end in the same INVALID_CREDENTIALS.
 */
export async function login(
	db: Db,
	params: { email: string; password: string },
	guestCart?: GuestCart,
): Promise<SignedIn> {
	const [row] = await db
		.select({
			...publicUserColumns,
			passwordHash: users.passwordHash,
			disabledAt: users.disabledAt,
		})
		.from(users)
		.where(sql`lower(${users.email}) = lower(${params.email})`)
		.limit(1);
	const { ok, needsRehash } = await verifyPassword(
		params.password,
		row?.passwordHash,
	);
	if (!row || !ok || row.disabledAt) throw invalidCredentials();
	const { issued, statements } = await newSession(db, row.id);
	const merge =
		guestCart && guestCartMergeStatements(db, { userId: row.id, ...guestCart });
	const results = await batch(db, {
		...statements,
		rehash: needsRehash
			? db
					.update(users)
					.set({ passwordHash: await hashPassword(params.password) })
					.where(eq(users.id, row.id))
			: undefined,
		...merge,
	});
	const { passwordHash: _, disabledAt: __, ...user } = row;
	return {
		user,
		session: issued,
		...(results.cartMerge
			? { cartMerge: cartMergeOutcome(results.cartMerge) }
			: {}),
	};
}

export type RotationResult =
	| { ok: true; user: AuthUser; session: IssuedSession }
	| { ok: false; reuseDetected: boolean };

/**
 * Rotates a refresh token in ONE statement: the presented token is marked used only if it is
 * unused and its session is live (not revoked, not expired, user not disabled); the successor is
 * inserted only when that update happened. Two concurrent submissions of one token therefore
 * mint at most one successor (the loser's conditional update matches nothing). Presenting an
 * already-used token revokes its whole session, so the thief's (or owner's) newest token dies too.
 */
export async function rotateRefreshToken(
	db: Db,
	refreshToken: string,
): Promise<RotationResult> {
	const presentedHash = await sha256Hex(refreshToken);
	const successorId = uuidv7();
	const successor = randomToken();
	const successorHash = await sha256Hex(successor);
	const { rows } = await db.execute<{
		user_id: string;
		role: AuthUser["role"];
		session_id: string;
		expires_epoch: number;
		rotated: boolean;
		reuse_detected: boolean;
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
		reuse as (
			update ${sessions} s set revoked_at = now(), revoked_reason = 'reuse_detected'
			from presented p
			where s.id = p.session_id and p.used_at is not null and s.revoked_at is null
			returning s.id
		)
		select p.user_id, p.role, p.session_id,
			extract(epoch from p.expires_at)::float8 as expires_epoch,
			exists(select 1 from successor) as rotated,
			exists(select 1 from reuse) as reuse_detected
		from presented p`);
	const row = rows[0];
	if (!row?.rotated)
		return { ok: false, reuseDetected: row?.reuse_detected === true };
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
	refreshToken: string,
): Promise<void> {
	const tokenHash = await sha256Hex(refreshToken);
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

/**
 * Changes the password of a signed-in user after checking the current one: 2 round trips. Every
 * other session (and any outstanding reset token) is revoked; the caller's session survives.
 */
export async function changePassword(
	db: Db,
	params: {
		userId: string;
		sessionId?: string;
		currentPassword: string;
		newPassword: string;
	},
): Promise<void> {
	const [row] = await db
		.select({ email: users.email, passwordHash: users.passwordHash })
		.from(users)
		.where(eq(users.id, params.userId));
	const { ok } = await verifyPassword(
		params.currentPassword,
		row?.passwordHash,
	);
	if (!row || !ok)
		throw new ApiError(
			"INVALID_CREDENTIALS",
			"The current password is incorrect",
		);
	assertStrongPassword(params.newPassword, row.email);
	const passwordHash = await hashPassword(params.newPassword);
	await batch(db, {
		password: db
			.update(users)
			.set({ passwordHash, updatedAt: sql`now()` })
			.where(eq(users.id, params.userId)),
		otherSessions: db
			.update(sessions)
			.set({ revokedAt: sql`now()`, revokedReason: "password_changed" })
			.where(
				and(
					eq(sessions.userId, params.userId),
					isNull(sessions.revokedAt),
					params.sessionId ? ne(sessions.id, params.sessionId) : undefined,
				),
			),
		resetTokens: db
			.update(passwordResetTokens)
			.set({ usedAt: sql`now()` })
			.where(
				and(
					eq(passwordResetTokens.userId, params.userId),
					isNull(passwordResetTokens.usedAt),
				),
			),
	});
}
