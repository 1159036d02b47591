import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminGet, adminPost, newAdmin } from "./helpers/admin";
import { testDb } from "./helpers/db";
import { dbRoundTrips, expectError } from "./helpers/http";
import { captureQueues, paidOrder, pendingOrder } from "./helpers/payments";

interface Stats {
	totals: Record<string, number>;
	series: { start: string; placed: number }[];
	revenue: { currency: string; gross: number; refunds: number; net: number }[];
	topProductsByUnits: { productId: string; units: number }[];
	lowStock: { variantId: string; available: number }[];
}

describe("GET /v1/admin/stats", () => {
	it("counts a period's orders, revenue, top products and low stock in one round trip", async () => {
		captureQueues();
		const admin = await newAdmin();
		const from = new Date().toISOString();
		const paid = await paidOrder();
		await pendingOrder();
		const refund = await adminPost(
			admin,
			`/v1/admin/orders/${paid.orderId}/refunds`,
			{ amount: 500, reason: "scratch" },
			{ "Idempotency-Key": crypto.randomUUID() },
		);
		expect(refund.status).toBe(201);
		const to = new Date(Date.now() + 1000).toISOString();
		const res = await adminGet(
			admin,
			`/v1/admin/stats?from=${from}&to=${to}&interval=day`,
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const stats = (await res.json()) as Stats;
		// Other test files place orders at the same time: at least ours are counted.
		expect(stats.totals.placed).toBeGreaterThanOrEqual(2);
		expect(stats.totals.paid).toBeGreaterThanOrEqual(1);
		expect(stats.totals.refunded).toBeGreaterThanOrEqual(1);
		expect(stats.series.reduce((n, b) => n + b.placed, 0)).toBe(
			stats.totals.placed,
		);
		const eur = stats.revenue.find(
			(r) => r.currency === paid.placed.order.currency,
		);
		expect(eur?.gross).toBeGreaterThanOrEqual(paid.total);
		expect(eur?.refunds).toBeGreaterThanOrEqual(500);
		expect(eur && eur.gross - eur.refunds).toBe(eur?.net);
		// The 20 active variants with the least sellable stock (the shared database has many).
		expect(stats.lowStock.length).toBeGreaterThan(0);
		expect(stats.lowStock.every((v) => v.available <= 5)).toBe(true);
		expect(stats.topProductsByUnits.length).toBeGreaterThan(0);
	});

	it("counts exactly in a window of its own, with sums past 2^31 minor units", async () => {
		captureQueues();
		const admin = await newAdmin();
		const [big, other] = [await paidOrder(), await paidOrder()];
		const cancelled = await pendingOrder();
		expect(
			(
				await adminPost(
					admin,
					`/v1/admin/orders/${big.orderId}/refunds`,
					{
						amount: 500,
						reason: "scratch",
					},
					{ "Idempotency-Key": crypto.randomUUID() },
				)
			).status,
		).toBe(201);
		expect(
			(
				await adminPost(admin, `/v1/admin/orders/${cancelled.orderId}/cancel`, {
					reason: "test",
				})
			).status,
		).toBe(200);
		// A past week no other test places orders in; two orders of 15,000,000.00 each, so the
		// sums (gross, net) pass what a 32-bit integer holds, as a busy shop's year does.
		const ids = [big.orderId, other.orderId, cancelled.orderId];
		await testDb().execute(sql`update orders set
			placed_at = '2001-03-06T10:00:00Z',
			subtotal = case when status = 'cancelled' then subtotal else 1500000000 - shipping_total end,
			total = case when status = 'cancelled' then total else 1500000000 end
			where id in (${sql.join(
				ids.map((id) => sql`${id}::uuid`),
				sql`, `,
			)})`);
		const res = await adminGet(
			admin,
			"/v1/admin/stats?from=2001-03-05T00:00:00.000Z&to=2001-03-12T00:00:00.000Z&interval=week",
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const stats = (await res.json()) as Stats & {
			revenue: { orders: number; averageOrderValue: number }[];
			topProductsByRevenue: { productId: string; units: number }[];
		};
		expect(stats.totals).toEqual({
			placed: 3,
			paid: 2,
			cancelled: 1,
			refunded: 1,
		});
		expect(stats.series).toEqual([
			{
				start: "2001-03-05T00:00:00.000Z",
				placed: 3,
				paid: 2,
				cancelled: 1,
				refunded: 1,
			},
		]);
		expect(stats.revenue).toEqual([
			{
				currency: big.placed.order.currency,
				gross: 3_000_000_000,
				refunds: 500,
				net: 3_000_000_000 - 500,
				orders: 2,
				averageOrderValue: 1_500_000_000,
			},
		]);
		// Only the paid orders' products, two units each.
		const paidProducts = [big, other].map((o) => o.placed.product.id).sort();
		for (const top of [stats.topProductsByUnits, stats.topProductsByRevenue])
			expect(top.map((t) => [t.productId, t.units]).sort()).toEqual(
				paidProducts.map((id) => [id, 2]),
			);
	});

	it("answers 400 for a reversed or too long period, or an unknown interval", async () => {
		const admin = await newAdmin();
		for (const query of [
			"from=2026-02-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z",
			"from=2020-01-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z",
			"interval=month",
			"from=yesterday",
			"x=1",
		])
			await expectError(
				await adminGet(admin, `/v1/admin/stats?${query}`),
				400,
				"VALIDATION_FAILED",
			);
	});
});
