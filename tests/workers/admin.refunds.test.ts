import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AdminOrder } from "../../src/modules/orders/admin.orders.schemas";
import { releaseStaleRefundReservations } from "../../src/modules/orders/expiry.jobs";
import {
	adminGet,
	adminPost,
	holdingLocks,
	newAdmin,
	untilLockWaiter,
} from "./helpers/admin";
import { runCron } from "./helpers/cron";
import { testDb } from "./helpers/db";
import { dbRoundTrips, expectError } from "./helpers/http";
import { forward, interceptOrigin } from "./helpers/network";
import {
	captureQueues,
	consumeStripe,
	eventsOf,
	ledgerOf,
	messageOf,
	orderRow,
	paidOrder,
	pendingOrder,
	refundsOf,
	STRIPE_ORIGIN,
	stockOf,
	stripeDown,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

const NEON_ORIGIN = new URL(
	(env as unknown as { NEON_LOCAL_FETCH_ENDPOINT: string })
		.NEON_LOCAL_FETCH_ENDPOINT,
).origin;

type Admin = Awaited<ReturnType<typeof newAdmin>>;

interface RefundAnswer {
	refund: {
		id: string;
		stripeRefundId: string;
		amount: number;
		status: string;
	};
	order: AdminOrder;
}

function refund(
	admin: Admin,
	orderId: string,
	body: Record<string, unknown>,
	key: string | null = crypto.randomUUID(),
) {
	return adminPost(
		admin,
		`/v1/admin/orders/${orderId}/refunds`,
		body,
		key === null ? {} : { "Idempotency-Key": key },
	);
}

/** Refunds Stripe was asked to make for a PaymentIntent. */
const stripeRefunds = async (pi: string) =>
	(await eventsOf(pi)).filter((e) => e.type === "refund.created");

describe("POST /v1/admin/orders/{id}/refunds", () => {
	it("refunds part, then the rest: partially_refunded → refunded, refund_issued each time, two round trips", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		queues.emails.length = 0;
		const part = await refund(admin, o.orderId, {
			amount: 500,
			reason: "damaged box",
		});
		expect(part.status).toBe(201);
		expect(dbRoundTrips(part)).toBe(2);
		const first = (await part.json()) as RefundAnswer;
		expect(first.refund).toMatchObject({ amount: 500, status: "succeeded" });
		expect(first.order).toMatchObject({
			status: "partially_refunded",
			refundedTotal: 500,
		});
		expect(first.order.refunds).toEqual([
			expect.objectContaining({
				stripeRefundId: first.refund.stripeRefundId,
				reason: "damaged box",
				createdBy: admin.id,
			}),
		]);
		const rest = await refund(admin, o.orderId, { reason: "gave up" });
		expect(rest.status).toBe(201);
		const second = (await rest.json()) as RefundAnswer;
		expect(second.refund.amount).toBe(o.total - 500);
		expect(second.order).toMatchObject({
			status: "refunded",
			refundedTotal: o.total,
		});
		expect(await refundsOf(o.orderId)).toHaveLength(2);
		expect(queues.emails.map((e) => e.template)).toEqual([
			"refund_issued",
			"refund_issued",
		]);
		expect(await timelineOf(o.orderId)).toEqual(
			expect.arrayContaining([
				"refund_created admin",
				"status_changed paid→partially_refunded admin",
				"status_changed partially_refunded→refunded admin",
			]),
		);
		// Nothing is left: 409, and Stripe is not asked.
		const none = await expectError(
			await refund(admin, o.orderId, { amount: 1, reason: "again" }),
			409,
			"REFUND_TOO_LARGE",
		);
		expect(none.details).toMatchObject({ remaining: 0 });
		expect(await stripeRefunds(o.pi)).toHaveLength(2);
	});

	it("refuses more than what is left (409) without asking Stripe", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const error = await expectError(
			await refund(admin, o.orderId, { amount: o.total + 1, reason: "x" }),
			409,
			"REFUND_TOO_LARGE",
		);
		expect(error.details).toMatchObject({ remaining: o.total });
		expect(await stripeRefunds(o.pi)).toHaveLength(0);
		expect(await refundsOf(o.orderId)).toHaveLength(0);
	});

	it("lets one of two concurrent refunds of the rest through", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		// All six arrive while the order row is locked elsewhere, so they truly overlap.
		const answers = await holdingLocks(
			sql`select id from orders where id = ${o.orderId}::uuid for update`,
			600,
			() =>
				Promise.all(
					[1, 2, 3, 4, 5, 6].map((n) =>
						refund(admin, o.orderId, {
							reason: `clerk ${n}`,
							...(n % 2 ? { amount: o.total } : {}),
						}),
					),
				),
		);
		expect(answers.map((r) => r.status).sort()).toEqual([
			201, 409, 409, 409, 409, 409,
		]);
		// The database refused them (it names what is left), not Stripe.
		for (const r of answers.filter((a) => a.status === 409))
			expect((await expectError(r, 409, "REFUND_TOO_LARGE")).details).toEqual({
				remaining: 0,
				currency: o.placed.order.currency,
			});
		expect(await stripeRefunds(o.pi)).toHaveLength(1);
		const audit = await adminGet(
			admin,
			`/v1/admin/audit-log?action=order.refund&targetId=${o.orderId}`,
		);
		expect(((await audit.json()) as { data: unknown[] }).data).toHaveLength(1);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "refunded",
			refundedTotal: o.total,
		});
		expect(await refundsOf(o.orderId)).toHaveLength(1);
	});

	it("replays a retried request with the same Idempotency-Key; another body on it is 422", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const key = crypto.randomUUID();
		const body = { amount: 300, reason: "late" };
		const first = await refund(admin, o.orderId, body, key);
		expect(first.status).toBe(201);
		const again = await refund(admin, o.orderId, body, key);
		expect(again.status).toBe(201);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect(await again.json()).toEqual(await first.json());
		await expectError(
			await refund(admin, o.orderId, { ...body, amount: 301 }, key),
			422,
			"IDEMPOTENCY_KEY_REUSED",
		);
		expect(await stripeRefunds(o.pi)).toHaveLength(1);
		expect((await orderRow(o.orderId)).refundedTotal).toBe(300);
	});

	it("restocks the listed units with ledger rows", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const itemId = o.placed.order.items[0]?.id;
		const res = await refund(admin, o.orderId, {
			amount: 1500,
			reason: "returned one",
			restock: [{ orderItemId: itemId, quantity: 1 }],
		});
		expect(res.status).toBe(201);
		expect(((await res.json()) as RefundAnswer).order.lines[0]).toMatchObject({
			restockedQuantity: 1,
		});
		expect(await stockOf(o.variantId)).toEqual({ onHand: 4, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual([
			"reserve 0/2",
			"sale -2/-2",
			"restock 1/0",
		]);
		// More than is left of the line, or another order's line: 400, nothing refunded.
		const other = await pendingOrder();
		for (const restock of [
			[{ orderItemId: itemId, quantity: 2 }],
			[{ orderItemId: other.placed.order.items[0]?.id, quantity: 1 }],
		])
			await expectError(
				await refund(admin, o.orderId, { amount: 1, reason: "x", restock }),
				400,
				"VALIDATION_FAILED",
			);
		expect(await stripeRefunds(o.pi)).toHaveLength(1);
	});

	it("changes nothing when Stripe is down (503), and the key can be retried", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const key = crypto.randomUUID();
		const down = stripeDown(503);
		const res = await refund(admin, o.orderId, { reason: "x" }, key);
		down.restore();
		await expectError(res, 503, "PAYMENT_PROVIDER_UNAVAILABLE");
		expect(await refundsOf(o.orderId)).toHaveLength(0);
		expect((await orderRow(o.orderId)).status).toBe("paid");
		expect((await refund(admin, o.orderId, { reason: "x" }, key)).status).toBe(
			201,
		);
	});

	it("refuses an unpaid order, a missing key, bad amounts and unknown fields", async () => {
		captureQueues();
		const admin = await newAdmin();
		const pending = await pendingOrder();
		await expectError(
			await refund(admin, pending.orderId, { reason: "x" }),
			409,
			"INVALID_ORDER_STATE",
		);
		await expectError(
			await refund(admin, crypto.randomUUID(), { reason: "x" }),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await refund(admin, pending.orderId, { reason: "x" }, null),
			400,
			"VALIDATION_FAILED",
		);
		for (const body of [
			{ reason: "x", amount: -5 },
			{ reason: "x", amount: 0 },
			{ reason: "x", amount: 1.5 },
			{ reason: "" },
			{ reason: "x", extra: 1 },
		])
			await expectError(
				await refund(admin, pending.orderId, body),
				400,
				"VALIDATION_FAILED",
			);
	});
});

/**
 * An admin refund whose request dies once Stripe has answered (the database is gone for it from
 * then on, as if the Worker died): its reservation stays `pending` without a Stripe id. Answers
 * that reservation and Stripe's refund events, not yet consumed.
 */
async function diedAfterStripe(
	admin: Admin,
	o: Awaited<ReturnType<typeof paidOrder>>,
	body: { amount: number; reason: string },
) {
	vi.spyOn(console, "warn").mockImplementation(() => {});
	vi.spyOn(console, "error").mockImplementation(() => {});
	let stripeAnswered = false;
	const stripe = interceptOrigin(STRIPE_ORIGIN, async (call) => {
		const res = await forward(call);
		if (call.url.includes("/v1/refunds")) stripeAnswered = true;
		return res;
	});
	const database = interceptOrigin(NEON_ORIGIN, (call) =>
		stripeAnswered
			? Response.json({ message: "gone (test)" }, { status: 503 })
			: forward(call),
	);
	const died = await refund(admin, o.orderId, body);
	database.restore();
	stripe.restore();
	expect(died.status).toBe(503);
	const [stuck] = await refundsOf(o.orderId);
	expect(stuck).toMatchObject({
		status: "pending",
		stripeRefundId: null,
		amount: body.amount,
	});
	const events = (await eventsOf(o.pi)).filter((e) =>
		e.type.startsWith("refund."),
	);
	expect(events.length).toBeGreaterThan(0);
	return { stuck: stuck as NonNullable<typeof stuck>, events };
}

describe("a refund whose request died between Stripe and its second batch", () => {
	it("is settled by Stripe's refund events on the reservation itself, freeing nothing twice", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const { stuck, events } = await diedAfterStripe(admin, o, {
			amount: 500,
			reason: "lost answer",
		});
		await consumeStripe(events.map(messageOf));
		const rows = await refundsOf(o.orderId);
		expect(rows).toEqual([
			expect.objectContaining({
				id: stuck.id,
				status: "succeeded",
				amount: 500,
				reason: "lost answer",
				stripeRefundId: expect.stringMatching(/^re_/),
			}),
		]);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "partially_refunded",
			refundedTotal: 500,
		});
		// What is left to refund is exactly the rest: the reservation no longer holds anything back.
		const rest = await refund(admin, o.orderId, { reason: "the rest" });
		expect(rest.status).toBe(201);
		expect(((await rest.json()) as RefundAnswer).refund.amount).toBe(
			o.total - 500,
		);
	});
});

describe("a refund whose request died before Stripe was asked", () => {
	it("leaves a reservation the cron releases after an hour, so the amount is refundable again", async () => {
		captureQueues();
		vi.spyOn(console, "warn").mockImplementation(() => {});
		vi.spyOn(console, "error").mockImplementation(() => {});
		const admin = await newAdmin();
		const o = await paidOrder();
		// Batch 1 (the reservation) goes through; then Stripe fails and so does the database, so
		// the request cannot give the reservation back (as if the Worker died).
		let databaseCalls = 0;
		const database = interceptOrigin(NEON_ORIGIN, (call) =>
			++databaseCalls === 1
				? forward(call)
				: Response.json({ message: "gone (test)" }, { status: 503 }),
		);
		const stripe = stripeDown(500);
		const died = await refund(admin, o.orderId, {
			amount: 700,
			reason: "never reached Stripe",
		});
		stripe.restore();
		database.restore();
		expect(died.status).toBeGreaterThanOrEqual(500);
		const [stuck] = await refundsOf(o.orderId);
		expect(stuck).toMatchObject({ status: "pending", stripeRefundId: null });
		// It holds the amount back: the whole total is no longer refundable.
		await expectError(
			await refund(admin, o.orderId, { amount: o.total, reason: "all" }),
			409,
			"REFUND_TOO_LARGE",
		);

		await runCron();
		expect(await refundsOf(o.orderId)).toHaveLength(1); // younger than an hour: kept
		await testDb().execute(
			sql`update refunds set created_at = now() - interval '2 hours' where id = ${stuck?.id}::uuid`,
		);
		await runCron();
		expect(await refundsOf(o.orderId)).toEqual([]);
		expect(await timelineOf(o.orderId)).toContain(
			"refund_reservation_released system",
		);
		const all = await refund(admin, o.orderId, {
			amount: o.total,
			reason: "all",
		});
		expect(all.status).toBe(201);
		expect(((await all.json()) as RefundAnswer).refund.amount).toBe(o.total);
	});
});

describe("the release of a stale reservation racing the refund's webhook", () => {
	it("never deletes a reservation the webhook attached meanwhile: the succeeded refund stays recorded", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const { stuck, events } = await diedAfterStripe(admin, o, {
			amount: 500,
			reason: "late webhook",
		});
		// Old enough to release, and its refund's events arrive as the release job runs.
		await testDb().execute(
			sql`update refunds set created_at = now() - interval '2 hours' where id = ${stuck.id}::uuid`,
		);
		// With the reservation's row locked elsewhere, the webhook waits for the row first (in its
		// attach), then the release job (in its delete): the webhook attaches, then the job decides.
		const [, released] = await holdingLocks(
			sql`select id from refunds where id = ${stuck.id}::uuid for update`,
			2000,
			async () => {
				const reconciled = consumeStripe(events.map(messageOf));
				await untilLockWaiter("%update refunds set stripe_refund_id%");
				const release = releaseStaleRefundReservations(testDb());
				await untilLockWaiter("%delete from refunds%");
				return Promise.all([reconciled, release]);
			},
		);
		expect(released).toEqual({ refundReservations: 0 });
		expect(await refundsOf(o.orderId)).toEqual([
			expect.objectContaining({
				id: stuck.id,
				status: "succeeded",
				amount: 500,
				stripeRefundId: expect.stringMatching(/^re_/),
			}),
		]);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "partially_refunded",
			refundedTotal: 500,
		});
		expect(await timelineOf(o.orderId)).not.toContain(
			"refund_reservation_released system",
		);
	});
});
