import { type SQL, sql } from "drizzle-orm";
import {
	type AuditActor,
	type AuditEntry,
	auditSql,
} from "../admin/audit.queries";

/*
 * Changes to one option of a product, each ONE statement after a lock of the product row (the
 * lock is the batch's first statement, so the change's snapshot sees every option or variant
 * write that committed before it). The statement decides: a verdict CTE first, and the writes
 * only when it says `ok`, so a refused change writes nothing, its audit row included (written
 * from `opt`: the option as it was). Options are found by name case-insensitively, as variant
 * options are matched.
 */

/** `ok`, or why not: `not_found` (product or option), `name_taken`, `value_not_found`, `value_taken`, `not_a_permutation`, `in_use`. */
export interface OptionVerdict extends Record<string, unknown> {
	outcome: string;
	/** For `in_use`: the values variants still use. */
	used: string[] | null;
}

export function lockProductSql(productId: string): SQL {
	return sql`select id from products where id = ${productId}::uuid for no key update`;
}

const optionCte = (productId: string, name: string) =>
	sql`opt as (select id, name, values from product_options
		where product_id = ${productId}::uuid and lower(name) = lower(${name}))`;

/** The change's audit row (target: the product), written when the verdict is `ok`. */
const auditCte = (
	who: AuditActor,
	productId: string,
	entry: Omit<AuditEntry, "targetId" | "targetType">,
) =>
	sql`audit as (${auditSql(who, {
		...entry,
		targetId: productId,
		from: sql`opt, verdict`,
		when: sql`verdict.outcome = 'ok'`,
	})})`;

/** Renames the option on the product and in every variant's options. */
export function renameOptionSql(
	p: { productId: string; name: string; to: string },
	who: AuditActor,
): SQL {
	const pid = sql`${p.productId}::uuid`;
	return sql`with ${optionCte(p.productId, p.name)}, verdict as (
		select case
			when not exists (select 1 from opt) then 'not_found'
			when exists (select 1 from product_options o, opt where o.product_id = ${pid}
				and o.id <> opt.id and lower(o.name) = lower(${p.to})) then 'name_taken'
			else 'ok' end as outcome
	), upd as (
		update product_options o set name = ${p.to} from opt, verdict
		where o.id = opt.id and verdict.outcome = 'ok'
		returning o.id
	), vars as (
		update variants v set options = (v.options - opt.name) || jsonb_build_object(${p.to}::text, v.options -> opt.name),
			updated_at = now()
		from opt, verdict
		where verdict.outcome = 'ok' and v.product_id = ${pid} and v.options ? opt.name
		returning v.id
	), ${auditCte(who, p.productId, {
		action: "option.rename",
		before: sql`json_build_object('name', opt.name)`,
		after: { name: p.to },
	})}
	select outcome, null::text[] as used from verdict`;
}

/** Renames one value of the option, in its list (same place) and in every variant using it. */
export function renameValueSql(
	p: { productId: string; name: string; from: string; to: string },
	who: AuditActor,
): SQL {
	const pid = sql`${p.productId}::uuid`;
	return sql`with ${optionCte(p.productId, p.name)}, verdict as (
		select case
			when not exists (select 1 from opt) then 'not_found'
			when not exists (select 1 from opt where ${p.from}::text = any(opt.values)) then 'value_not_found'
			when ${p.to}::text <> ${p.from}::text
				and exists (select 1 from opt where ${p.to}::text = any(opt.values)) then 'value_taken'
			else 'ok' end as outcome
	), upd as (
		update product_options o set values = array_replace(o.values, ${p.from}::text, ${p.to}::text)
		from opt, verdict where o.id = opt.id and verdict.outcome = 'ok'
		returning o.id
	), vars as (
		update variants v set options = jsonb_set(v.options, array[opt.name], to_jsonb(${p.to}::text)),
			updated_at = now()
		from opt, verdict
		where verdict.outcome = 'ok' and v.product_id = ${pid} and v.options ->> opt.name = ${p.from}
		returning v.id
	), ${auditCte(who, p.productId, {
		action: "option.rename_value",
		before: sql`json_build_object('option', opt.name, 'value', ${p.from}::text)`,
		after: sql`json_build_object('option', opt.name, 'value', ${p.to}::text)`,
	})}
	select outcome, null::text[] as used from verdict`;
}

/** Puts the option's values in the given order, which must list every value exactly once. */
export function reorderValuesSql(
	p: { productId: string; name: string; values: string[] },
	who: AuditActor,
): SQL {
	// As JSON: drizzle would expand a JS array into a row of parameters.
	const next = sql`array(select jsonb_array_elements_text(${JSON.stringify(p.values)}::jsonb))`;
	return sql`with ${optionCte(p.productId, p.name)}, verdict as (
		select case
			when not exists (select 1 from opt) then 'not_found'
			when not (select values @> ${next} and ${next} @> values
				and cardinality(values) = cardinality(${next}) from opt) then 'not_a_permutation'
			else 'ok' end as outcome
	), upd as (
		update product_options o set values = ${next} from opt, verdict
		where o.id = opt.id and verdict.outcome = 'ok'
		returning o.id
	), ${auditCte(who, p.productId, {
		action: "option.reorder_values",
		before: sql`json_build_object('option', opt.name, 'values', opt.values)`,
		after: sql`json_build_object('option', opt.name, 'values', ${next})`,
	})}
	select outcome, null::text[] as used from verdict`;
}

/**
 * Removes the option when its removal loses nothing: no variant, or every variant of the
 * product (archived ones included), has the same value for it. The key goes from every variant
 * (their combinations stay distinct, since they all shared that value; the unique index on
 * (product, options) is the backstop). Otherwise `in_use` with the values in use.
 */
export function removeOptionSql(
	p: { productId: string; name: string },
	who: AuditActor,
): SQL {
	const pid = sql`${p.productId}::uuid`;
	return sql`with ${optionCte(p.productId, p.name)}, used as (
		select array_agg(distinct v.options ->> opt.name order by v.options ->> opt.name) as vals
		from variants v, opt where v.product_id = ${pid} and v.options ? opt.name
	), verdict as (
		select case
			when not exists (select 1 from opt) then 'not_found'
			when coalesce(cardinality((select vals from used)), 0) > 1 then 'in_use'
			else 'ok' end as outcome
	), vars as (
		update variants v set options = v.options - opt.name, updated_at = now()
		from opt, verdict
		where verdict.outcome = 'ok' and v.product_id = ${pid} and v.options ? opt.name
		returning v.id
	), del as (
		delete from product_options o using opt, verdict
		where o.id = opt.id and verdict.outcome = 'ok'
		returning o.id
	), ${auditCte(who, p.productId, {
		action: "option.delete",
		before: sql`json_build_object('name', opt.name, 'values', opt.values)`,
	})}
	select outcome, case when outcome = 'in_use' then (select vals from used) end as used
	from verdict`;
}
