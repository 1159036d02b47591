import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batch } from "../../src/db/batch";
import { inventoryLedger } from "../../src/db/schema";
import { refundStatements } from "../../src/modules/orders/refunds.queries";
import {
	type Cancelled,
	cancelPaidOrderSql,
	cancelPendingOrderSql,
	markPaidSql,
	type Paid,
} from "../../src/modules/orders/transitions.queries";
import { testDb } from "./helpers/db";
import {
	itemsOf,
	ledgerOf,
	orderRow,
	pendingOrder,
	stockOf,
	timelineOf,
} from "./helpers/payments";

/**
 * The state machine's statements straight against the database, many at once: whatever the
 * interleaving, each transition happens once and stock moves once.
 */

const markPaid = (o: { pi: string; total: number }) =>
	testDb()
		.execute<Paid>(
			markPaidSql({
				paymentIntentId: o.pi,
				amount: o.total,
				currency: "eur",
				actor: "system",
			}),
		)
		.then((r) => r.rows[0]);

const cancelPending = (id: string) =>
	testDb()
		.execute<Cancelled>(
			cancelPendingOrderSql({ orderId: id, reason: "test", actor: "system" }),
		)
		.then((r) => r.rows[0]);

const times = <T>(n: number, fn: () => Promise<T>) =>
	Promise.all(Array.from({ length: n }, fn));

describe("order transitions under concurrency", () => {
	it("cancelPendingOrderSql 8 times at once: one cancellation, stock released once", async () => {
		const o = await pendingOrder();
		const results = await times(8, () => cancelPending(o.orderId));
		expect(results.filter((r) => r?.cancelled)).toHaveLength(1);
		expect(results.map((r) => r?.status)).toEqual(Array(8).fill("cancelled"));
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual(["reserve 0/2", "release 0/-2"]);
		// Ledger ids made by the statement itself are UUIDv7 too.
		const ids = await testDb()
			.select({ id: inventoryLedger.id })
			.from(inventoryLedger)
			.where(
				and(
					eq(inventoryLedger.orderId, o.orderId),
					eq(inventoryLedger.reason, "release"),
				),
			);
		expect(ids).toHaveLength(1);
		for (const { id } of ids)
			expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab]/);
	});

	it("payment racing cancellation: exactly one wins, and stock agrees with it", async () => {
		for (let round = 0; round < 3; round++) {
			const o = await pendingOrder();
			const [paid, cancelled] = await Promise.all([
				times(4, () => markPaid(o)),
				times(4, () => cancelPending(o.orderId)),
			]);
			const row = await orderRow(o.orderId);
			const paidNow = paid.filter((r) => r?.outcome === "paid").length;
			const cancelledNow = cancelled.filter((r) => r?.cancelled).length;
			expect(paidNow + cancelledNow).toBe(1);
			if (row.status === "paid") {
				expect(paidNow).toBe(1);
				expect(await stockOf(o.variantId)).toEqual({ onHand: 3, reserved: 0 });
				expect(await ledgerOf(o.orderId)).toEqual([
					"reserve 0/2",
					"sale -2/-2",
				]);
				// The payments that lost are duplicates of the one that won.
				expect(paid.every((r) => r?.outcome !== "not_payable")).toBe(true);
			} else {
				expect(row.status).toBe("cancelled");
				expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
				expect(await ledgerOf(o.orderId)).toEqual([
					"reserve 0/2",
					"release 0/-2",
				]);
				// A payment that lost to the cancellation must be given back.
				expect(paid.every((r) => r?.outcome === "not_payable")).toBe(true);
			}
			expect(
				(await timelineOf(o.orderId)).filter((e) =>
					e.startsWith("status_changed"),
				),
			).toHaveLength(2);
		}
	});

	it("cancelPaidOrderSql 6 times at once: one cancellation, one restock", async () => {
		const o = await pendingOrder();
		expect((await markPaid(o))?.outcome).toBe("paid");
		const results = await times(6, () =>
			testDb()
				.execute<Cancelled>(
					cancelPaidOrderSql({
						orderId: o.orderId,
						reason: "test",
						actor: "admin",
					}),
				)
				.then((r) => r.rows[0]),
		);
		expect(results.filter((r) => r?.cancelled)).toHaveLength(1);
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toEqual([
			"reserve 0/2",
			"sale -2/-2",
			"restock 2/0",
		]);
		expect((await itemsOf(o.orderId)).map((i) => i.restockedQuantity)).toEqual([
			2,
		]);
	});

	it("reconciles 20 refunds of one order at once without losing one", async () => {
		const o = await pendingOrder({ quantity: 1 });
		expect((await markPaid(o))?.outcome).toBe("paid");
		const db = testDb();
		await Promise.all(
			Array.from({ length: 20 }, (_, i) =>
				batch(
					db,
					refundStatements(db, {
						ref: { orderId: o.orderId },
						who: { actor: "stripe" },
						refund: {
							stripeRefundId: `re_race${i}_${crypto.randomUUID().slice(0, 8)}`,
							amount: 10,
							currency: "eur",
							status: "succeeded",
							reason: "test",
						},
					}),
				),
			),
		);
		expect(await orderRow(o.orderId)).toMatchObject({
			refundedTotal: 200,
			status: "partially_refunded",
		});
	});
});
