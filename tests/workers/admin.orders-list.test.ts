import { describe, expect, it } from "vitest";
import type { AdminOrderList } from "../../src/modules/orders/admin.orders.schemas";
import { adminGet, adminPost, newAdmin } from "./helpers/admin";
import { register } from "./helpers/auth";
import { addItem, freshProduct } from "./helpers/cart";
import { dbRoundTrips, expectError } from "./helpers/http";
import { checkout } from "./helpers/orders";
import { captureQueues } from "./helpers/payments";

type Admin = Awaited<ReturnType<typeof newAdmin>>;

/** One customer with `n` orders of rising totals (1, 2, … units of a 10.00 variant). */
async function customerWithOrders(n: number) {
	const tag = crypto.randomUUID();
	const session = await register({ name: `Grace ${tag}` });
	const who = { accessToken: session.accessToken };
	const product = await freshProduct([{ price: 1000, onHand: 100 }]);
	const variantId = product.variants[0]?.id ?? "";
	const orders: { id: string; number: string; total: number; pi: string }[] =
		[];
	for (let i = 1; i <= n; i++) {
		expect((await addItem(variantId, i, who)).status).toBe(201);
		const res = await checkout(who);
		expect(res.status).toBe(201);
		const body = (await res.json()) as {
			order: { id: string; number: string; total: number };
			payment: { paymentIntentId: string };
		};
		orders.push({ ...body.order, pi: body.payment.paymentIntentId });
	}
	return { session, orders, tag };
}

async function walk(admin: Admin, query: string, limit: number) {
	const ids: string[] = [];
	let cursor: string | null = null;
	let pages = 0;
	do {
		const res = await adminGet(
			admin,
			`/v1/admin/orders?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const page = (await res.json()) as AdminOrderList;
		ids.push(...page.data.map((o) => o.id));
		cursor = page.nextCursor;
		pages++;
	} while (cursor && pages < 20);
	return { ids, pages };
}

describe("GET /v1/admin/orders", () => {
	it("walks a customer's orders in keyset pages for each sort, in one round trip a page", async () => {
		captureQueues();
		const admin = await newAdmin();
		const { session, orders } = await customerWithOrders(5);
		const ids = orders.map((o) => o.id);
		const q = `customerId=${session.userId}`;
		const newest = await walk(admin, q, 2);
		expect(newest).toEqual({ ids: [...ids].reverse(), pages: 3 });
		expect((await walk(admin, `${q}&sort=oldest`, 2)).ids).toEqual(ids);
		// Totals rise with each order: largest first.
		expect((await walk(admin, `${q}&sort=total`, 3)).ids).toEqual(
			[...ids].reverse(),
		);
	});

	it("filters by status (several), q, totals and dates", async () => {
		captureQueues();
		const admin = await newAdmin();
		const { session, orders, tag } = await customerWithOrders(3);
		const [a, b, c] = orders;
		if (!a || !b || !c) throw new Error("orders missing");
		const q = `customerId=${session.userId}`;
		const list = async (extra: string) => {
			const res = await adminGet(admin, `/v1/admin/orders?${q}&${extra}`);
			expect(res.status).toBe(200);
			return ((await res.json()) as AdminOrderList).data.map((o) => o.id);
		};
		expect(await list("status=pending_payment")).toHaveLength(3);
		expect(await list("status=paid,cancelled")).toEqual([]);
		expect(await list(`minTotal=${b.total}`)).toEqual([c.id, b.id]);
		expect(await list(`maxTotal=${a.total}`)).toEqual([a.id]);
		expect(await list(`q=${a.number.toLowerCase()}`)).toEqual([a.id]);
		expect(await list(`q=${encodeURIComponent(session.email)}`)).toHaveLength(
			3,
		);
		expect(await list("placedTo=2000-01-01T00:00:00.000Z")).toEqual([]);
		expect(await list("placedFrom=2000-01-01T00:00:00.000Z")).toHaveLength(3);
		// Across every customer, the customer's (unique) name finds only theirs.
		const res = await adminGet(admin, `/v1/admin/orders?q=${tag}&limit=100`);
		expect(
			((await res.json()) as AdminOrderList).data.map((o) => o.id),
		).toEqual([c.id, b.id, a.id]);
		// Several statuses are any of them.
		const cancel = await adminPost(admin, `/v1/admin/orders/${b.id}/cancel`, {
			reason: "test",
		});
		expect(cancel.status).toBe(200);
		expect(await list("status=cancelled")).toEqual([b.id]);
		expect(await list("status=paid,cancelled")).toEqual([b.id]);
		expect(await list("status=pending_payment")).toEqual([c.id, a.id]);
		expect(await list("status=pending_payment,cancelled")).toEqual([
			c.id,
			b.id,
			a.id,
		]);
	});

	it("answers 400 for bad filters and cursors", async () => {
		const admin = await newAdmin();
		for (const query of [
			"status=shipped",
			"status=",
			"minTotal=-1",
			"limit=0",
			"limit=101",
			"sort=cheapest",
			"customerId=nope",
			"placedFrom=yesterday",
			"unknown=1",
		])
			await expectError(
				await adminGet(admin, `/v1/admin/orders?${query}`),
				400,
				"VALIDATION_FAILED",
			);
		await expectError(
			await adminGet(admin, "/v1/admin/orders?cursor=garbage"),
			400,
			"INVALID_CURSOR",
		);
	});
});
