import type { SQL } from "drizzle-orm";
import { batch } from "../../db/batch";
import { ApiError, conflict } from "../../lib/errors";
import {
	decodeKeyset,
	keysetPage,
	timeIdKeyset,
} from "../../lib/keyset-cursor";
import { revokeAccessTokens } from "../../lib/revocation";
import type { Services } from "../../services";
import { issuePasswordResetToken } from "../auth/password-reset.service";
import {
	type AuditFilters,
	auditLogSql,
	auditPasswordResetSql,
	lockActiveAdminsSql,
	type PatchRow,
	patchUserSql,
	type UserFilters,
	type UserKeyset,
	type UserPatch,
	userDetailSql,
	userListSql,
} from "./admin.users.queries";

const notFound = () => new ApiError("NOT_FOUND", "User not found");

/** Opaque keyset cursors: base64url of `{t, id}` (created_at in epoch µs). */

async function page<Row, K extends string>(
	{ db }: Services,
	field: K,
	build: (limit: number, after?: UserKeyset) => SQL,
	p: { limit: number; cursor?: string },
) {
	const after = p.cursor ? decodeKeyset(p.cursor, timeIdKeyset) : undefined;
	const res = await db.execute<
		Record<K, Row & { id: string }> & { sort_key: string }
	>(build(p.limit + 1, after));
	const page = keysetPage(res.rows, p.limit, (last) => ({
		t: Number(last.sort_key),
		id: last[field].id,
	}));
	return { data: page.rows.map((r) => r[field]), nextCursor: page.nextCursor };
}

/** A page of users with order counts and spend (one round trip). */
export function listUsers(
	services: Services,
	p: UserFilters & { limit: number; cursor?: string },
) {
	return page(
		services,
		"user",
		(limit, after) => userListSql(p, limit, after),
		p,
	);
}

/** A page of the audit log (one round trip). */
export function listAuditLog(
	services: Services,
	p: AuditFilters & { limit: number; cursor?: string },
) {
	return page(
		services,
		"entry",
		(limit, after) => auditLogSql(p, limit, after),
		p,
	);
}

/** One user's profile, addresses, recent orders and sessions (one round trip). */
export async function getUser({ db }: Services, userId: string) {
	const res = await db.execute<{ user: unknown }>(userDetailSql(userId));
	const user = res.rows[0]?.user;
	if (!user) throw notFound();
	return user;
}

/**
 * An admin's change to a user, in one round trip (lock the active admins, change, audit). An
 * admin may not demote or disable themselves; the last active admin is never demoted or
 * disabled (409 LAST_ADMIN), decided by the database under the lock.
 */
export async function patchUser(
	services: Services,
	p: { userId: string; actorId: string; requestId: string; patch: UserPatch },
) {
	const { db } = services;
	const demotes = p.patch.role === "customer" || p.patch.disabled === true;
	if (p.userId === p.actorId && demotes)
		throw new ApiError(
			"CANNOT_CHANGE_SELF",
			"An admin cannot demote or disable themselves",
		);
	// Demoting or disabling ends the user's access tokens at once, set before the change.
	if (demotes) await revokeAccessTokens(services, p.userId);
	const done = await batch(db, {
		lock: demotes ? db.execute(lockActiveAdminsSql()) : undefined,
		change: db.execute<PatchRow>(patchUserSql(p)),
	});
	const row = done.change.rows[0];
	if (!row || row.outcome === "not_found") throw notFound();
	if (row.outcome === "last_admin")
		throw new ApiError(
			"LAST_ADMIN",
			"This is the last active admin: it cannot be demoted or disabled",
		);
	return row.user;
}

/**
 * Sends the user a password reset email (the self-service flow's token and email), audited.
 * Two round trips. A disabled account gets no email (409: re-enable it first).
 */
export async function sendPasswordReset(
	services: Services,
	p: { userId: string; actorId: string; requestId: string },
): Promise<void> {
	const res = await services.db.execute<{ email: string; disabled: boolean }>(
		auditPasswordResetSql(p),
	);
	const row = res.rows[0];
	if (!row) throw notFound();
	const disabled = () =>
		conflict(
			"The account is disabled: re-enable it before resetting its password",
			{ field: "status", value: "disabled", reason: "disabled" },
		);
	if (row.disabled) throw disabled();
	// Disabled between the two round trips: refused here too (the audit row then overstates).
	const issued = await issuePasswordResetToken(services.db, {
		email: row.email,
	});
	if (!issued) throw disabled();
	await services.emails.send({
		template: "password_reset",
		idempotencyKey: `password_reset:${issued.tokenId}`,
		to: issued.to,
		data: { token: issued.token, expiresAt: issued.expiresAt.toISOString() },
	});
}
