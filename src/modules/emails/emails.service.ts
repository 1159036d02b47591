import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { failedEmails, sentEmails } from "../../db/schema";
import { uuidv7 } from "../../lib/ids";

/** A `sending` claim older than this belongs to a consumer that died mid-send and may be retaken. */
const STALE_CLAIM = sql`interval '5 minutes'`;

type ClaimOutcome = "claimed" | "already_sent" | "in_flight";

/**
 * Claims an idempotency key for sending, in one statement: a new key, a failed one, or a stale
 * claim can be taken; a sent or freshly claimed key cannot. Only the claimer sends.
 */
export async function claimEmail(
	db: Db,
	params: {
		idempotencyKey: string;
		template: string;
		recipient: string;
		/** The queue's delivery count for this message (1-based). */
		attempts: number;
	},
): Promise<ClaimOutcome> {
	const claimed = await db
		.insert(sentEmails)
		.values({ ...params, status: "sending" })
		.onConflictDoUpdate({
			target: sentEmails.idempotencyKey,
			set: {
				status: "sending",
				claimedAt: sql`now()`,
				attempts: sql`greatest(${sentEmails.attempts} + 1, ${params.attempts})`,
			},
			setWhere: sql`${sentEmails.status} = 'failed' or (${sentEmails.status} = 'sending' and ${sentEmails.claimedAt} < now() - ${STALE_CLAIM})`,
		})
		.returning({ key: sentEmails.idempotencyKey });
	if (claimed.length > 0) return "claimed";
	const [existing] = await db
		.select({ status: sentEmails.status })
		.from(sentEmails)
		.where(eq(sentEmails.idempotencyKey, params.idempotencyKey));
	return existing?.status === "sent" ? "already_sent" : "in_flight";
}

export async function markEmailSent(
	db: Db,
	idempotencyKey: string,
	providerMessageId?: string,
): Promise<void> {
	await db
		.update(sentEmails)
		.set({
			status: "sent",
			sentAt: sql`now()`,
			lastError: null,
			providerMessageId,
		})
		.where(eq(sentEmails.idempotencyKey, idempotencyKey));
}

/** Releases the claim so a retry can take it, remembering the error for the dead-letter record. */
export async function markEmailFailed(
	db: Db,
	idempotencyKey: string,
	error: string,
): Promise<void> {
	await db
		.update(sentEmails)
		.set({ status: "failed", lastError: error })
		.where(eq(sentEmails.idempotencyKey, idempotencyKey));
}

/**
 * Records an email given up on, with the last error seen by the consumer (from its delivery row)
 * unless one is given. Idempotent per key: a redelivered dead letter updates the same record.
 */
export async function recordFailedEmail(
	db: Db,
	params: {
		idempotencyKey: string;
		template: string;
		recipient: string;
		payload: unknown;
		reason: "dead_letter" | "rejected";
		error?: string;
		attempts: number;
	},
): Promise<void> {
	const delivery = db
		.select({ lastError: sentEmails.lastError, attempts: sentEmails.attempts })
		.from(sentEmails)
		.where(eq(sentEmails.idempotencyKey, params.idempotencyKey));
	const lastError =
		params.error ?? sql`(select last_error from (${delivery}) d)`;
	const attempts = sql`greatest(${params.attempts}, coalesce((select attempts from (${delivery}) d), 0))`;
	await db
		.insert(failedEmails)
		.values({
			id: uuidv7(),
			idempotencyKey: params.idempotencyKey,
			template: params.template,
			recipient: params.recipient,
			payload: params.payload,
			reason: params.reason,
			lastError,
			attempts,
		})
		.onConflictDoUpdate({
			target: failedEmails.idempotencyKey,
			set: {
				reason: params.reason,
				lastError,
				attempts,
				createdAt: sql`now()`,
			},
		});
}
