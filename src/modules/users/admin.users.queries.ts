import { type SQL, sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids";

/** A timestamptz column as ISO 8601 UTC with milliseconds (raw SQL text). */
const iso = (ts: string) =>
	`to_char(${ts} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A user as operators see it, from the users row `u`: no password material. */
const userJson = (
	u: string,
) => `json_build_object('id', ${u}.id, 'email', ${u}.email,
	'name', ${u}.name, 'role', ${u}.role,
	'status', case when ${u}.disabled_at is null then 'active' else 'disabled' end,
	'disabledAt', ${iso(`${u}.disabled_at`)}, 'createdAt', ${iso(`${u}.created_at`)})`;

/** Orders that were paid (what "spent" counts), net of refunds. */
const SPENT = `('paid', 'fulfilled', 'delivered', 'partially_refunded', 'refunded')`;

export interface UserFilters {
	q?: string;
	role?: "customer" | "admin";
	status?: "active" | "disabled";
	createdFrom?: string;
	createdTo?: string;
}

export interface UserKeyset {
	t: number;
	id: string;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of users, newest first, each with its order count and money spent per currency (paid
 * orders net of refunds, summed as bigint: a customer's orders together can pass 2^31 minor
 * units), in ONE statement; keyset on (created_at, id).
 */
export function userListSql(
	f: UserFilters,
	limit: number,
	after?: UserKeyset,
): SQL {
	const where: SQL[] = [sql`true`];
	if (f.q) {
		const like = `%${likeEscape(f.q)}%`;
		where.push(sql`(u.email ilike ${like} or u.name ilike ${like})`);
	}
	if (f.role) where.push(sql`u.role = ${f.role}::user_role`);
	if (f.status === "active") where.push(sql`u.disabled_at is null`);
	if (f.status === "disabled") where.push(sql`u.disabled_at is not null`);
	if (f.createdFrom)
		where.push(sql`u.created_at >= ${f.createdFrom}::timestamptz`);
	if (f.createdTo) where.push(sql`u.created_at < ${f.createdTo}::timestamptz`);
	const key = sql`(extract(epoch from u.created_at) * 1000000)::bigint`;
	if (after)
		where.push(sql`(${key}, u.id) < (${after.t}::bigint, ${after.id}::uuid)`);
	return sql`select ${sql.raw(userJson("u"))}::jsonb || jsonb_build_object(
			'orderCount', (select count(*)::int from orders o where o.user_id = u.id),
			'totalSpent', coalesce((select jsonb_agg(jsonb_build_object('currency', s.currency, 'amount', s.amount) order by s.currency)
				from (select o.currency, sum(o.total - o.refunded_total)::bigint as amount from orders o
					where o.user_id = u.id and o.status in ${sql.raw(SPENT)} group by o.currency) s), '[]'::jsonb)
		) as "user", ${key}::text as sort_key
	from users u
	where ${sql.join(where, sql` and `)}
	order by ${key} desc, u.id desc
	limit ${limit}`;
}

/** One user with addresses, the 5 latest orders and sessions (no token material): one row. */
export function userDetailSql(userId: string): SQL {
	const id = sql`${userId}::uuid`;
	return sql`select ${sql.raw(userJson("u"))}::jsonb || jsonb_build_object(
		'addresses', coalesce((select jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name,
				'line1', a.line1, 'line2', a.line2, 'city', a.city, 'region', a.region,
				'postalCode', a.postal_code, 'country', a.country, 'phone', a.phone) order by a.created_at, a.id)
			from addresses a where a.user_id = u.id), '[]'::jsonb),
		'recentOrders', coalesce((select jsonb_agg(jsonb_build_object('id', o.id, 'number', o.order_number,
				'status', o.status, 'currency', o.currency, 'total', o.total,
				'placedAt', ${sql.raw(iso("o.placed_at"))}) order by o.placed_at desc, o.id desc)
			from (select * from orders where user_id = u.id order by placed_at desc, id desc limit 5) o), '[]'::jsonb),
		'sessions', coalesce((select jsonb_agg(jsonb_build_object('id', s.id,
				'createdAt', ${sql.raw(iso("s.created_at"))}, 'expiresAt', ${sql.raw(iso("s.expires_at"))},
				'lastUsedAt', (select ${sql.raw(iso("max(t.created_at)"))} from refresh_tokens t where t.session_id = s.id),
				'revokedAt', ${sql.raw(iso("s.revoked_at"))}, 'revokedReason', s.revoked_reason,
				'userAgent', s.user_agent)
				order by s.created_at desc, s.id desc)
			from sessions s where s.user_id = u.id), '[]'::jsonb)
	) as "user"
	from users u where u.id = ${id}`;
}

/**
 * Locks every active admin's row for the rest of the batch, in id order. A change that could
 * remove an active admin then runs after any other such change has committed, and its next
 * statement (a fresh snapshot) counts the admins that change left: two admins demoting each
 * other at once cannot both succeed.
 */
export function lockActiveAdminsSql(): SQL {
	return sql`select id from users where role = 'admin' and disabled_at is null order by id for update`;
}

export interface UserPatch {
	role?: "customer" | "admin";
	disabled?: boolean;
	name?: string;
}

export interface PatchRow extends Record<string, unknown> {
	/** `ok`, `not_found` or `last_admin`. */
	outcome: string;
	user: unknown;
}

/**
 * Applies an admin's change to a user, unless it would leave no active admin: role, name,
 * disabled (disabling revokes every open session at once: refresh fails from now on), with an
 * audit row holding the user before and after. Run after lockActiveAdminsSql.
 */
export function patchUserSql(p: {
	userId: string;
	actorId: string;
	requestId: string;
	patch: UserPatch;
}): SQL {
	const id = sql`${p.userId}::uuid`;
	const { role, disabled, name } = p.patch;
	return sql`with b as (
		select * from users where id = ${id}
	), others as (
		select count(*)::int as n from users
		where role = 'admin' and disabled_at is null and id <> ${id}
	), verdict as (
		select case
			when not exists (select 1 from b) then 'not_found'
			when (select role = 'admin' and disabled_at is null from b)
				and (coalesce(${role ?? null}::user_role, 'admin') <> 'admin' or coalesce(${disabled ?? null}::boolean, false))
				and (select n from others) = 0 then 'last_admin'
			else 'ok' end as outcome
	), upd as (
		update users u set
			role = coalesce(${role ?? null}::user_role, u.role),
			name = coalesce(${name ?? null}::text, u.name),
			disabled_at = case ${disabled ?? null}::boolean when true then coalesce(u.disabled_at, now())
				when false then null else u.disabled_at end,
			updated_at = now()
		from verdict where u.id = ${id} and verdict.outcome = 'ok'
		returning u.*
	), revoked as (
		update sessions s set revoked_at = now(), revoked_reason = 'account_disabled'
		from upd where s.user_id = upd.id and upd.disabled_at is not null and s.revoked_at is null
	), audit as (
		insert into admin_audit_log (id, actor_id, action, target_type, target_id, before, after, request_id)
		select ${uuidv7()}::uuid, ${p.actorId}::uuid, 'user.update', 'user', upd.id::text,
			(select ${sql.raw(userJson("b"))} from b), ${sql.raw(userJson("upd"))}, ${p.requestId}
		from upd
	)
	select v.outcome, (select ${sql.raw(userJson("upd"))} from upd) as "user" from verdict v`;
}

/**
 * Records an admin-requested password reset (audit); one row `{ email, disabled }` when the user
 * exists. A disabled account gets no reset, so no audit row either: the log holds what happened.
 */
export function auditPasswordResetSql(p: {
	userId: string;
	actorId: string;
	requestId: string;
}): SQL {
	return sql`with u as (select id, email, disabled_at from users where id = ${p.userId}::uuid), audit as (
		insert into admin_audit_log (id, actor_id, action, target_type, target_id, request_id)
		select ${uuidv7()}::uuid, ${p.actorId}::uuid, 'user.password_reset', 'user', u.id::text, ${p.requestId}
		from u where u.disabled_at is null
	)
	select email, disabled_at is not null as disabled from u`;
}

export interface AuditFilters {
	actorId?: string;
	action?: string;
	targetType?: string;
	targetId?: string;
	from?: string;
	to?: string;
}

/** A page of the audit log, newest first; keyset on (created_at, id). */
export function auditLogSql(
	f: AuditFilters,
	limit: number,
	after?: UserKeyset,
): SQL {
	const where: SQL[] = [sql`true`];
	if (f.actorId) where.push(sql`a.actor_id = ${f.actorId}::uuid`);
	if (f.action) where.push(sql`a.action = ${f.action}`);
	if (f.targetType) where.push(sql`a.target_type = ${f.targetType}`);
	if (f.targetId) where.push(sql`a.target_id = ${f.targetId}`);
	if (f.from) where.push(sql`a.created_at >= ${f.from}::timestamptz`);
	if (f.to) where.push(sql`a.created_at < ${f.to}::timestamptz`);
	const key = sql`(extract(epoch from a.created_at) * 1000000)::bigint`;
	if (after)
		where.push(sql`(${key}, a.id) < (${after.t}::bigint, ${after.id}::uuid)`);
	return sql`select json_build_object('id', a.id, 'actorId', a.actor_id, 'action', a.action,
			'targetType', a.target_type, 'targetId', a.target_id, 'before', a.before, 'after', a.after,
			'requestId', a.request_id, 'at', ${sql.raw(iso("a.created_at"))}) as entry,
		${key}::text as sort_key
	from admin_audit_log a
	where ${sql.join(where, sql` and `)}
	order by ${key} desc, a.id desc
	limit ${limit}`;
}
