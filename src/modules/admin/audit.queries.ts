import { type SQL, sql } from "drizzle-orm";
import { uuidv7 } from "../../lib/ids";

/** Who did it, and in which request: every admin change's audit row names both. */
export interface AuditActor {
	actorId: string;
	requestId: string;
}

/**
 * One `admin_audit_log` row, written only `when` the change happened (a predicate over rows
 * the same batch wrote earlier, e.g. the timeline row whose id the service chose), so it rides
 * in the change's own batch.
 */
export function auditSql(
	who: AuditActor,
	p: {
		action: string;
		targetType: string;
		targetId: string;
		after?: unknown;
		when?: SQL;
	},
): SQL {
	return sql`insert into admin_audit_log (id, actor_id, action, target_type, target_id, after, request_id)
		select ${uuidv7()}::uuid, ${who.actorId}::uuid, ${p.action}, ${p.targetType}, ${p.targetId},
			${p.after === undefined ? null : JSON.stringify(p.after)}::jsonb, ${who.requestId}
		where ${p.when ?? sql`true`}`;
}
