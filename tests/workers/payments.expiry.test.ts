import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { idempotencyKeys, orders } from "../../src/db/schema";
import { runCron } from "./helpers/cron";
import { testDb } from "./helpers/db";
import { paymentIntent } from "./helpers/orders";
import {
	captureQueues,
	consumeStripe,
	eventOf,
	eventsOf,
	ledgerOf,
	messageOf,
	orderRow,
	pay,
	pendingOrder,
	stockOf,
	stripeDown,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

/**
 * Reservation expiry runs in the cron. Every overdue order in the shared database is its work, so
 * only this file makes orders overdue, and each test looks at its own orders only.
 */

const overdue = (orderId: string) =>
	testDb()
		.update(orders)
		.set({ paymentDueAt: sql`now() - interval '1 minute'` })
		.where(eq(orders.id, orderId));

describe("cron: reservation expiry", () => {
	it("cancels an overdue order's PaymentIntent at Stripe, then the order: stock released, payment_timeout, order_cancelled", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		const notYet = await pendingOrder();
		await overdue(o.orderId);
		await runCron();

		expect(await paymentIntent(o.pi)).toMatchObject({
			status: "canceled",
			cancellation_reason: "abandoned",
		});
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "cancelled",
			cancelReason: "payment_timeout",
			paymentStatus: "canceled",
		});
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
		expect(await timelineOf(o.orderId)).toContain(
			"status_changed pending_payment→cancelled system",
		);
		expect(queues.about(o.orderId)).toEqual([
			expect.objectContaining({
				template: "order_cancelled",
				data: expect.objectContaining({ reason: "payment_timeout" }),
			}),
		]);
		// An order still inside its payment window is left alone.
		expect((await orderRow(notYet.orderId)).status).toBe("pending_payment");
		expect((await paymentIntent(notYet.pi)).status).toBe(
			"requires_payment_method",
		);
	});

	it("processes an overdue order whose payment already succeeded as paid; its late webhook changes nothing", async () => {
		const queues = captureQueues();
		const o = await pendingOrder();
		expect(await pay(o.pi)).toBe(200);
		await overdue(o.orderId);
		await runCron();

		expect((await orderRow(o.orderId)).status).toBe("paid");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 3, reserved: 0 });
		expect(queues.about(o.orderId)).toEqual([
			expect.objectContaining({ template: "order_confirmation" }),
		]);

		await consumeStripe([
			messageOf(await eventOf(o.pi, "payment_intent.succeeded")),
		]);
		expect((await orderRow(o.orderId)).status).toBe("paid");
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "sale -2/-2"]);
	});

	it("expiry racing payment success: one consistent outcome, stock moved once", async () => {
		captureQueues();
		// The customer pays while the cron expires the order, a little later each round, so both
		// "payment first" and "cancel first" happen at Stripe; the webhook consumer joins in.
		for (const delayMs of [0, 15, 30, 60]) {
			const o = await pendingOrder();
			await overdue(o.orderId);
			const [, paid] = await Promise.all([
				runCron(),
				scheduler.wait(delayMs).then(() => pay(o.pi)),
			]);
			const consumed = (await eventsOf(o.pi))
				.filter((e) => e.type.startsWith("payment_intent."))
				.map(messageOf);
			const [, ...results] = await Promise.all([
				runCron(),
				...consumed.map((m) => consumeStripe([m])),
				...consumed.map((m) => consumeStripe([m])),
			]);
			// Every delivery was applied or found nothing to do: none failed and needs a retry.
			for (const r of results) expect(r.retryMessages).toEqual([]);

			const pi = await paymentIntent(o.pi);
			const row = await orderRow(o.orderId);
			if (paid === 200) {
				expect(pi.status).toBe("succeeded");
				expect(row.status).toBe("paid");
				expect(await ledgerOf(o.orderId)).toEqual([
					"reserve 0/2",
					"sale -2/-2",
				]);
			} else {
				expect(pi.status).toBe("canceled");
				expect(row.status).toBe("cancelled");
				expect(await ledgerOf(o.orderId)).toEqual([
					"reserve 0/2",
					"release 0/-2",
				]);
			}
			expect(
				(await timelineOf(o.orderId)).filter((e) =>
					e.startsWith("status_changed"),
				),
			).toHaveLength(2);
		}
	});

	it("a payment succeeding after an order expired without a PaymentIntent is never applied: refunded", async () => {
		const queues = captureQueues();
		vi.spyOn(console, "error").mockImplementation(() => {});
		const o = await pendingOrder();
		// Payment setup never attached its PaymentIntent (the order only knows of none).
		await testDb()
			.update(orders)
			.set({
				paymentIntentId: null,
				paymentDueAt: sql`now() - interval '1 minute'`,
			})
			.where(eq(orders.id, o.orderId));
		await runCron();
		expect((await orderRow(o.orderId)).status).toBe("cancelled");

		expect(await pay(o.pi)).toBe(200);
		await consumeStripe([
			messageOf(await eventOf(o.pi, "payment_intent.succeeded")),
		]);
		expect(await orderRow(o.orderId)).toMatchObject({
			status: "cancelled",
			paymentIntentId: null,
			paidAt: null,
		});
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
		expect(await eventOf(o.pi, "refund.created")).toMatchObject({
			data: { object: { metadata: { purpose: "unapplied_payment" } } },
		});
		expect(
			queues
				.about(o.orderId)
				.filter((e) => e.template === "order_confirmation"),
		).toEqual([]);
	});

	it("leaves overdue orders for the next run while Stripe is down", async () => {
		captureQueues();
		vi.spyOn(console, "warn").mockImplementation(() => {});
		const o = await pendingOrder();
		await overdue(o.orderId);
		const down = stripeDown(503);
		await runCron();
		down.restore();
		expect((await orderRow(o.orderId)).status).toBe("pending_payment");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 2 });

		await runCron();
		expect((await orderRow(o.orderId)).status).toBe("cancelled");
	});
});

describe("cron: Idempotency-Key purge", () => {
	it("deletes expired Idempotency-Key records and keeps live ones", async () => {
		const scope = `test:${crypto.randomUUID()}`;
		const row = (key: string, expiresAt: ReturnType<typeof sql>) => ({
			scope,
			key,
			requestHash: "0".repeat(64),
			claimId: crypto.randomUUID(),
			expiresAt,
		});
		await testDb()
			.insert(idempotencyKeys)
			.values([
				row("old", sql`now() - interval '1 hour'`),
				row("live", sql`now() + interval '1 hour'`),
			]);
		await runCron();
		const left = await testDb()
			.select({ key: idempotencyKeys.key })
			.from(idempotencyKeys)
			.where(eq(idempotencyKeys.scope, scope));
		expect(left).toEqual([{ key: "live" }]);
	});
});
