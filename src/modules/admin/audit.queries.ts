import {
	and,
	type ColumnsSelection,
	getTableColumns,
	is,
	SQL,
	type SQLWrapper,
	sql,
} from "drizzle-orm";
import type {
	PgSelectBase,
	PgTable,
	PgUpdateSetSource,
} from "drizzle-orm/pg-core";
import type { Db } from "../../db/client";
import { uuidv7 } from "../../lib/ids";
import { AUDIT_ACTIONS, type AuditAction } from "./audit-actions";

/** Who did it, and in which request: every admin change's audit row names both. */
export interface AuditActor {
	actorId: string;
	requestId: string;
}

/**
 * What one audit row says. `targetId`, `before` and `after` are values known in the Worker, or
 * SQL over the rows the row is written from (`from`), e.g. a RETURNING row's columns: the
 * record as the statement already has it, never an extra read.
 */
export interface AuditEntry<A extends AuditAction = AuditAction> {
	action: A;
	/** The action's own (AUDIT_ACTIONS) when left out. */
	targetType?: (typeof AUDIT_ACTIONS)[A];
	targetId: string | SQL;
	/** JSON (or SQL giving json/jsonb): the record before the change, where the statement has it. */
	before?: unknown;
	/** JSON (or SQL giving json/jsonb): what the change set, or the record it created. */
	after?: unknown;
}

const jsonb = (value: unknown): SQL =>
	value === undefined || value === null
		? sql`null::jsonb`
		: is(value, SQL)
			? sql`(${value})::jsonb`
			: sql`${JSON.stringify(value)}::jsonb`;

/**
 * One `admin_audit_log` row per row of `from` (one row without it), written only `when` the
 * change happened: a predicate over `from`, or over rows the same batch wrote earlier (e.g. the
 * timeline row whose id the service chose), so it rides in the change's own statement or batch.
 */
export function auditSql<A extends AuditAction>(
	who: AuditActor,
	p: AuditEntry<A> & { from?: SQL; when?: SQL },
): SQL {
	const targetId = is(p.targetId, SQL)
		? sql`(${p.targetId})::text`
		: sql`${p.targetId}`;
	return sql`insert into admin_audit_log (id, actor_id, action, target_type, target_id, before, after, request_id)
		select ${uuidv7()}::uuid, ${who.actorId}::uuid, ${p.action}, ${p.targetType ?? AUDIT_ACTIONS[p.action]},
			${targetId}, ${jsonb(p.before)}, ${jsonb(p.after)}, ${who.requestId}
		${p.from ? sql`from ${p.from}` : sql``}
		where ${p.when ?? sql`true`}`;
}

/**
 * `change`, an insert, update or delete ending in `.returning(selection)` (of ONE row: its audit
 * row's id is chosen here), as the CTE `changed`, with its audit row written from `changed` in
 * the same statement; answers `changed`'s rows, typed by `selection`. A change that matched
 * nothing (not found, refused by its WHERE) writes no audit row, and one that failed rolls back
 * with it. `entry`'s SQL reads `changed`'s columns by their names (`changed.product_id`).
 */
export function auditedChange<S extends ColumnsSelection>(
	db: Db,
	change: SQLWrapper,
	selection: S,
	who: AuditActor,
	entry: AuditEntry,
) {
	const changed = db.$with("changed", selection).as(change.getSQL());
	const audit = db
		.$with("audit", {})
		.as(auditSql(who, { ...entry, from: sql`changed` }));
	// Typed for the caller's selection: drizzle cannot check a generic one's RETURNING.
	return db
		.with(changed, audit)
		.select()
		.from(changed as never) as unknown as PgSelectBase<"changed", S, "single">;
}

/**
 * An audited UPDATE of the one row of `table` that `row` names, as one statement of three CTEs:
 * `previous` reads (and locks, `for update`) that row's values of the fields `entry.after`
 * names, `changed` is the update (`set`, where `row` and `where`, returning `selection`), and
 * `audit` writes the row with `before` those old values and `after` the new ones. The update's
 * WHERE needs `previous`, so the read runs first, and under the row lock: it is the row the
 * update changed, however another writer raced it. Every CTE shares one snapshot, so this costs
 * no round trip more than the bare update. Nothing matched or refused: no audit row, as with
 * auditedChange. `entry.after`'s keys are `table`'s column keys (the patch the route was sent).
 */
export function auditedUpdate<T extends PgTable, S extends ColumnsSelection>(
	db: Db,
	table: T,
	p: { set: PgUpdateSetSource<T>; row: SQL; where?: SQL; selection: S },
	who: AuditActor,
	entry: Omit<AuditEntry, "before" | "after"> & {
		after: { [K in keyof T["$inferInsert"]]?: unknown };
	},
) {
	const columns = getTableColumns(table);
	const sent = Object.entries(entry.after).filter(([, v]) => v !== undefined);
	const fields = sent.map(([key]) => {
		const column = columns[key];
		if (!column) throw new Error(`audited update: no column ${key}`);
		return sql`${key}::text, ${column}`;
	});
	const previous = db.$with("previous", {}).as(
		sql`select jsonb_build_object(${sql.join(fields, sql`, `)}) as old_values
			from ${table} where ${p.row} for update`,
	);
	const update = db
		.update(table as PgTable)
		.set(p.set as never)
		.where(and(p.row, p.where, sql`exists (select 1 from previous)`))
		.returning(p.selection as never);
	const changed = db.$with("changed", p.selection).as(update.getSQL());
	const audit = db.$with("audit", {}).as(
		auditSql(who, {
			...entry,
			before: sql`previous.old_values`,
			from: sql`changed, previous`,
		}),
	);
	return db
		.with(previous, changed, audit)
		.select()
		.from(changed as never) as unknown as PgSelectBase<"changed", S, "single">;
}
