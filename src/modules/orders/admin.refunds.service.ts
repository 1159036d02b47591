import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { batch } from "../../db/batch";
import { ApiError, validationFailed } from "../../lib/errors";
import {
	claimOutcome,
	claimSql,
	completeSql,
	type IdempotencyRecord,
	idempotencyClaim,
	lookupSql,
	releaseClaimSql,
	releaseSql,
} from "../../lib/idempotency";
import { uuidv7 } from "../../lib/ids";
import { sha256Hex } from "../../lib/tokens";
import type { Services } from "../../services";
import { type AuditActor, auditSql } from "../admin/audit.queries";
import {
	isProviderFailure,
	providerUnavailable,
} from "../payments/stripe.calls";
import { recordRefund } from "../stats/business-events";
import { lockOrderSql } from "./admin.actions.queries";
import { adminOrderSql } from "./admin.orders.queries";
import type { AdminOrder, RefundBody } from "./admin.orders.schemas";
import { orderIdOrNotFound } from "./admin.orders.service";
import {
	attachRefundSql,
	dropReservationSql,
	type ReserveRow,
	reserveRefundSql,
	restockSql,
} from "./admin.refunds.queries";
import { refundIssuedEmail } from "./order-emails";
import { type RefundStatus, refundStatements } from "./refunds.queries";
import type { OrderSnapshot } from "./snapshot.queries";

export interface RefundResult {
	status: number;
	body: unknown;
	replayed: boolean;
}

function refusal(row: ReserveRow): ApiError {
	switch (row.outcome) {
		case "not_found":
			return new ApiError("NOT_FOUND", "Order not found");
		case "claim_lost":
			return new ApiError(
				"IDEMPOTENCY_IN_PROGRESS",
				"A request with this Idempotency-Key is still being processed; retry shortly",
				undefined,
				{ "Retry-After": "1" },
			);
		case "invalid_state":
			return new ApiError(
				"INVALID_ORDER_STATE",
				`An order in status ${row.status} cannot be refunded`,
				{ status: row.status },
			);
		case "bad_restock":
			return validationFailed(
				"restock names a line of another order, or more units than the line has left",
				{ path: "restock", message: "does not fit the order", code: "custom" },
			);
		default:
			return new ApiError(
				"REFUND_TOO_LARGE",
				`At most ${Math.max(row.remaining ?? 0, 0)} is left to refund`,
				{ remaining: Math.max(row.remaining ?? 0, 0), currency: row.currency },
			);
	}
}

/**
 * An admin's refund (full by default, or `amount`), in two round trips around one Stripe call:
 * batch 1 claims the Idempotency-Key, locks the order and reserves the amount (a `pending`
 * refunds row, only if it fits in what is left: the database decides, so two concurrent refunds
 * of the rest cannot both pass); Stripe refunds, its idempotency key derived from the client's
 * key and request (a retry after a lost answer gets the same refund); batch 2 attaches Stripe's refund, reconciles like the webhook (refundStatements), restocks, notes the
 * admin on the timeline and stores the response. Stripe failing: reservation and claim given
 * back (503, or 409 when Stripe refuses the amount).
 */
export async function refundOrder(
	services: Services,
	p: {
		orderId: string;
		body: RefundBody;
		idempotencyKey: string;
	} & AuditActor,
): Promise<RefundResult> {
	const { db } = services;
	const adminId = p.actorId;
	const orderId = orderIdOrNotFound(p.orderId);
	const refundId = uuidv7();
	const restock = p.body.restock ?? [];
	const claim = await idempotencyClaim(
		`user:${adminId}`,
		p.idempotencyKey,
		`POST /v1/admin/orders/${orderId}/refunds`,
		p.body,
	);
	const first = await batch(db, {
		claim: db.execute(claimSql(claim)),
		lock: db.execute(lockOrderSql(orderId)),
		reserve: db.execute<ReserveRow>(
			reserveRefundSql({
				refundId,
				orderId,
				amount: p.body.amount ?? null,
				reason: p.body.reason,
				adminId: adminId,
				restock,
				claim,
			}),
		),
		release: db.execute(
			releaseSql(
				claim,
				sql`exists (select 1 from refunds where id = ${refundId}::uuid)`,
			),
		),
		record: db.execute<IdempotencyRecord>(lookupSql(claim)),
	});
	const outcome = claimOutcome(claim, first.record.rows[0]);
	if (outcome.kind === "replay")
		return { status: outcome.status, body: outcome.body, replayed: true };
	const row = first.reserve.rows[0];
	if (!row) throw new Error("refund reservation returned no row");
	if (row.outcome !== "ok") throw refusal(row);

	let refund: Stripe.Refund;
	try {
		refund = await services.stripe.refunds.create(
			{
				payment_intent: row.payment_intent_id ?? "",
				amount: row.amount ?? 0,
				reason: "requested_by_customer",
				// reservationId lets the refund's webhook attach a reservation whose batch 2 never ran.
				metadata: { orderId, purpose: "admin_refund", reservationId: refundId },
			},
			// From the client's key and request, not the reservation: when Stripe made the refund
			// but the answer was lost (a timeout), the client's retry gets that refund back.
			{
				idempotencyKey: `refund-admin-${await sha256Hex(`${claim.scope}\n${claim.key}\n${claim.requestHash}`)}`,
			},
		);
	} catch (err) {
		await batch(db, {
			drop: db.execute(dropReservationSql(refundId)),
			release: db.execute(releaseClaimSql(claim)),
		});
		if (err instanceof Stripe.errors.StripeInvalidRequestError)
			throw new ApiError(
				"REFUND_TOO_LARGE",
				`The payment provider refused the refund: ${err.message}`,
				{ provider: err.code ?? null },
			);
		if (isProviderFailure(err)) throw providerUnavailable();
		throw err;
	}

	const who = { actor: "admin" as const, actorId: adminId };
	const { attach, drop } = attachRefundSql(refundId, refund.id);
	const reconcile = refundStatements(db, {
		ref: { orderId },
		who,
		refund: {
			stripeRefundId: refund.id,
			amount: refund.amount,
			currency: refund.currency,
			status: (refund.status ?? "pending") as RefundStatus,
			reason: p.body.reason,
			createdBy: adminId,
		},
	});
	const body = sql`jsonb_build_object(
		'refund', (select jsonb_build_object('id', r.id, 'stripeRefundId', r.stripe_refund_id,
			'amount', r.amount, 'currency', r.currency, 'status', r.status)
			from refunds r where r.stripe_refund_id = ${refund.id}),
		'order', (select "order" from (${adminOrderSql(orderId)}) v)::jsonb)`;
	const done = await batch(db, {
		lock: reconcile.lock,
		attach: db.execute(attach),
		drop: db.execute(drop),
		refund: reconcile.refund,
		settle: reconcile.settle,
		restock: restock.length
			? db.execute(restockSql({ orderId, adminId: adminId, lines: restock }))
			: undefined,
		audit: db.execute(
			auditSql(p, {
				action: "order.refund",
				targetType: "order",
				targetId: orderId,
				after: {
					refundId: refund.id,
					amount: refund.amount,
					reason: p.body.reason,
					restock,
				},
			}),
		),
		event:
			db.execute(sql`insert into order_events (id, order_id, type, actor, actor_id, data)
			values (${uuidv7()}::uuid, ${orderId}::uuid, 'refund_created', 'admin', ${adminId}::uuid,
				jsonb_build_object('refundId', ${refund.id}::text, 'amount', ${refund.amount}::int,
					'reason', ${p.body.reason}::text, 'restock', ${JSON.stringify(restock)}::jsonb))`),
		response: db.execute<{ body: { order: AdminOrder } }>(
			completeSql(claim, 201, body),
		),
	});
	const snapshot = done.settle.rows[0]?.order as OrderSnapshot | null;
	if (snapshot && done.refund.rows[0]?.succeeded_now)
		recordRefund(services.analytics, snapshot, refund);
	if (refund.status === "succeeded" && snapshot)
		await services.emails.send(refundIssuedEmail(snapshot, refund));
	return { status: 201, body: done.response.rows[0]?.body, replayed: false };
}
