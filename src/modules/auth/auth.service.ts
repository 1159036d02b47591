import { and, eq, isNull, ne, sql } from "drizzle-orm";
import type { AuthUser } from "../../app-env";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { passwordResetTokens, sessions, users } from "../../db/schema";
import { ApiError, accountGone, PG, pgError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import {
	type CartMergeOutcome,
	cartMergeOutcome,
	type GuestCart,
	guestCartMergeStatements,
} from "../cart/cart-merge.queries";
import { hashPassword, verifyPassword } from "./password";
import { weakPasswordReason } from "./password-policy";
import { type IssuedSession, newSession } from "./sessions.service";

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

function assertStrongPassword(password: string, email?: string): void {
	const reason = weakPasswordReason(password, email);
	if (reason) throw new ApiError("WEAK_PASSWORD", reason);
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
	params: {
		email: string;
		password: string;
		name: string;
		guestCart?: GuestCart;
		/** PASSWORD_HASH_ROUNDS. */
		hashRounds: number;
		/** The request's User-Agent, kept on the session. */
		userAgent?: string;
	},
): Promise<SignedIn> {
	const { guestCart } = params;
	assertStrongPassword(params.password, params.email);
	const id = uuidv7();
	const passwordHash = await hashPassword(params.password, params.hashRounds);
	const { issued, statements } = await newSession(db, id, params.userAgent);
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
	params: {
		email: string;
		password: string;
		guestCart?: GuestCart;
		/** PASSWORD_HASH_ROUNDS: the cost every login pays, and below which hashes are upgraded. */
		hashRounds: number;
		/** The request's User-Agent, kept on the session. */
		userAgent?: string;
	},
): Promise<SignedIn> {
	const { guestCart } = params;
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
		params.hashRounds,
	);
	if (!row || !ok || row.disabledAt) throw invalidCredentials();
	const { issued, statements } = await newSession(db, row.id, params.userAgent);
	const merge =
		guestCart && guestCartMergeStatements(db, { userId: row.id, ...guestCart });
	const results = await batch(db, {
		...statements,
		rehash: needsRehash
			? db
					.update(users)
					.set({
						passwordHash: await hashPassword(
							params.password,
							params.hashRounds,
						),
					})
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

/**
 * Changes the password of a signed-in user after checking the current one: 2 round trips. Every
 * other session (and any outstanding reset token) is revoked; the caller's session survives (its
 * refresh token mints a new access token), but every access token issued so far, the caller's
 * included, is revoked (Redis marker, set before the change).
 */
export async function changePassword(
	db: Db,
	params: {
		userId: string;
		sessionId?: string;
		currentPassword: string;
		newPassword: string;
		/** PASSWORD_HASH_ROUNDS. */
		hashRounds: number;
		/** Sets the user's revocation marker before anything changes (lib/revocation.ts). */
		revokeAccessTokens: (userId: string) => Promise<unknown>;
	},
): Promise<void> {
	const [row] = await db
		.select({ email: users.email, passwordHash: users.passwordHash })
		.from(users)
		.where(eq(users.id, params.userId));
	if (!row) throw accountGone();
	const { ok } = await verifyPassword(
		params.currentPassword,
		row.passwordHash,
		params.hashRounds,
	);
	if (!ok)
		throw new ApiError(
			"INVALID_CURRENT_PASSWORD",
			"The current password is incorrect",
			{ field: "currentPassword" },
		);
	assertStrongPassword(params.newPassword, row.email);
	const passwordHash = await hashPassword(
		params.newPassword,
		params.hashRounds,
	);
	await params.revokeAccessTokens(params.userId);
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
