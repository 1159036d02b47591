/**
 * Idempotency-Key (IETF httpapi draft) bookkeeping as SQL statements that ride in a service's
 * own batches: claim in the first batch, complete (with the response) in the last, release when
 * the request failed before it changed anything. The `idempotency_keys` table is the lock: only
 * one request per caller and key can hold the claim, and the database decides.
 */
import { type SQL, sql } from "drizzle-orm";
import { idempotencyKeys } from "../db/schema";
import { ApiError } from "./errors";
import { uuidv7 } from "./ids";
import { sha256Hex } from "./tokens";

/** How long a completed response is replayed (and a key stays taken). */
export const IDEMPOTENCY_TTL_HOURS = 24;
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

export interface IdempotencyClaim {
	/** Whose key it is (`user:<id>`, `guest:<cart token hash>`): keys never collide across callers. */
	scope: string;
	key: string;
	requestHash: string;
	/** This attempt's id: only the request that claimed the key completes or releases it. */
	claimId: string;
}

/** A claim for this request; `operation` and `input` are what must match on a retry. */
export async function idempotencyClaim(
	scope: string,
	key: string,
	operation: string,
	input: unknown,
): Promise<IdempotencyClaim> {
	return {
		scope,
		key,
		requestHash: await sha256Hex(`${operation}\n${canonicalJson(input)}`),
		claimId: uuidv7(),
	};
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(value, (_, v: unknown) =>
		v && typeof v === "object" && !Array.isArray(v)
			? Object.fromEntries(
					Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
						a < b ? -1 : a > b ? 1 : 0,
					),
				)
			: v,
	);
}

/**
 * Takes the key (or an expired record of it) for this attempt; returns the claim id when taken,
 * no row when someone holds it. Usable as a CTE: later statements run `where exists (claim)`.
 */
export function claimSql(c: IdempotencyClaim): SQL {
	return sql`insert into ${idempotencyKeys} (scope, key, request_hash, claim_id, expires_at)
		values (${c.scope}, ${c.key}, ${c.requestHash}, ${c.claimId}::uuid,
			now() + make_interval(hours => ${IDEMPOTENCY_TTL_HOURS}))
		on conflict (scope, key) do update set request_hash = excluded.request_hash,
			claim_id = excluded.claim_id, response_status = null, response_body = null,
			created_at = now(), expires_at = excluded.expires_at
		where ${idempotencyKeys.expiresAt} <= now()
		returning claim_id`;
}

/** Gives the key back when this attempt changed nothing (`unless` holds: e.g. no order was made). */
export function releaseSql(c: IdempotencyClaim, unless: SQL): SQL {
	return sql`delete from ${idempotencyKeys}
		where scope = ${c.scope} and key = ${c.key} and claim_id = ${c.claimId}::uuid
			and response_status is null and not (${unless})`;
}

/** Unconditional release (e.g. after a compensated failure, so the client may retry). */
export function releaseClaimSql(c: IdempotencyClaim): SQL {
	return releaseSql(c, sql`false`);
}

export interface IdempotencyRecord extends Record<string, unknown> {
	request_hash: string;
	claim_id: string;
	response_status: number | null;
	response_body: unknown;
}

/** The key's live record, read at the end of the claiming batch. */
export function lookupSql(c: IdempotencyClaim): SQL {
	return sql`select request_hash, claim_id, response_status, response_body
		from ${idempotencyKeys}
		where scope = ${c.scope} and key = ${c.key} and expires_at > now()`;
}

/**
 * Stores the response for replays and returns it as `body` (built in SQL by `body`, so the
 * response can include rows written earlier in the same batch).
 */
export function completeSql(
	c: IdempotencyClaim,
	status: number,
	body: SQL,
): SQL {
	return sql`update ${idempotencyKeys} set response_status = ${status}, response_body = ${body}
		where scope = ${c.scope} and key = ${c.key} and claim_id = ${c.claimId}::uuid
		returning response_body as body`;
}

export type ClaimOutcome =
	| { kind: "claimed" }
	| { kind: "released" }
	| { kind: "replay"; status: number; body: unknown };

/**
 * What the record says about this attempt: ours (claimed, or given back), a stored response to
 * replay, or a conflict: 409 while the first request runs, 422 for another request on the key.
 */
export function claimOutcome(
	c: IdempotencyClaim,
	record: IdempotencyRecord | undefined,
): ClaimOutcome {
	if (!record) return { kind: "released" };
	if (record.claim_id === c.claimId) return { kind: "claimed" };
	if (record.request_hash !== c.requestHash)
		throw new ApiError(
			"IDEMPOTENCY_KEY_REUSED",
			"This Idempotency-Key was used with a different request",
		);
	if (record.response_status === null)
		throw new ApiError(
			"IDEMPOTENCY_IN_PROGRESS",
			"A request with this Idempotency-Key is still being processed; retry shortly",
			undefined,
			{ "Retry-After": "1" },
		);
	return {
		kind: "replay",
		status: record.response_status,
		body: record.response_body,
	};
}
