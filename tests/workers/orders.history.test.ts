import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { orderHistorySql } from "../../src/modules/orders/orders.queries";
import { bearer, register } from "./helpers/auth";
import { freshProduct } from "./helpers/cart";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import { insertImage, insertOrder } from "./helpers/order-rows";
import { placeOrder } from "./helpers/orders";

const IMAGE_BASE = (env as unknown as { IMAGE_BASE_URL: string })
	.IMAGE_BASE_URL;

interface Summary {
	id: string;
	number: string;
	status: string;
	itemCount: number;
	items: { name: string; image: { url: string; alt?: string } | null }[];
	placedAt: string;
}
interface Page {
	data: Summary[];
	nextCursor: string | null;
}

const history = (token: string, query = "") =>
	call(`/v1/orders${query}`, { headers: bearer(token) });

/** `count` orders for `userId`, placed a minute apart (the last two at the same instant). */
async function ordersOf(userId: string, count: number) {
	const base = Date.UTC(2030, 5, 1);
	const placed = [];
	for (let i = 0; i < count; i++) {
		const minute = i === count - 1 ? i - 1 : i;
		placed.push(
			await insertOrder({
				userId,
				placedAt: new Date(base + minute * 60_000),
			}),
		);
	}
	// Newest first; equal times by id, descending.
	return placed
		.map((o, i) => ({ ...o, t: i === count - 1 ? i - 1 : i }))
		.sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1));
}

describe("GET /v1/orders", () => {
	it("walks the whole history in keyset pages, newest first, no gaps or duplicates", async () => {
		const customer = await register();
		const expected = await ordersOf(customer.userId, 8);
		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const query: string = `?limit=3${cursor ? `&cursor=${cursor}` : ""}`;
			const res = await history(customer.accessToken, query);
			expect(res.status).toBe(200);
			expect(dbRoundTrips(res)).toBe(1);
			expect(res.headers.get("Cache-Control")).toBe("no-store");
			const page = (await res.json()) as Page;
			expect(page.data.length).toBeLessThanOrEqual(3);
			seen.push(...page.data.map((o) => o.id));
			cursor = page.nextCursor;
			pages++;
		} while (cursor && pages < 10);
		expect(pages).toBe(3);
		expect(seen).toEqual(expected.map((o) => o.id));
	});

	it("summarises each order: number, status, totals, units, the first 3 lines' names and images", async () => {
		const customer = await register();
		const product = await freshProduct();
		const imageKey = await insertImage(product.id, "Mug, front");
		const order = await insertOrder({
			userId: customer.userId,
			status: "paid",
			lines: [
				{ name: "Mug", quantity: 2, imageKey, productId: product.id },
				{ name: "Plate" },
				{ name: "Bowl", imageKey: `${"a".repeat(64)}.webp` },
				{ name: "Spoon", quantity: 4 },
			],
		});
		const res = await history(customer.accessToken);
		const { data, nextCursor } = (await res.json()) as Page;
		expect(nextCursor).toBeNull();
		expect(data).toEqual([
			{
				id: order.id,
				number: order.number,
				status: "paid",
				currency: "EUR",
				subtotal: 8000,
				shippingTotal: 495,
				taxTotal: 0,
				total: 8495,
				refundedTotal: 0,
				itemCount: 8,
				items: [
					{
						name: "Mug",
						image: {
							url: `${IMAGE_BASE}/${imageKey}`,
							alt: "Mug, front",
							width: null,
							height: null,
						},
					},
					{ name: "Plate", image: null },
					{
						name: "Bowl",
						image: {
							url: `${IMAGE_BASE}/${"a".repeat(64)}.webp`,
							width: null,
							height: null,
						},
					},
				],
				placedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/),
			},
		]);
	});

	it("lists only the caller's own orders (not another customer's, not guest orders)", async () => {
		const me = await register();
		const other = await register();
		const mine = await insertOrder({ userId: me.userId });
		await insertOrder({ userId: other.userId });
		await insertOrder();
		const { data } = (await (await history(me.accessToken)).json()) as Page;
		expect(data.map((o) => o.id)).toEqual([mine.id]);
	});

	it("returns an empty page for a customer without orders", async () => {
		const customer = await register();
		const res = await history(customer.accessToken);
		expect(await res.json()).toEqual({ data: [], nextCursor: null });
	});

	it("answers 401 without an access token, even with a valid order token", async () => {
		const guest = await insertOrder();
		const guestOnly: Record<string, string>[] = [
			{},
			{ "X-Order-Token": guest.token ?? "" },
		];
		for (const headers of guestOnly) {
			const res = await call("/v1/orders", { headers });
			expect(res.headers.get("Cache-Control")).toBe("no-store");
			await expectError(res, 401, "UNAUTHENTICATED");
		}
		await expectError(
			await call("/v1/orders", { headers: { Authorization: "Bearer x.y.z" } }),
			401,
			"UNAUTHENTICATED",
		);
	});

	it("answers 400 INVALID_CURSOR for a malformed or foreign cursor", async () => {
		const customer = await register();
		const b64 = (v: unknown) =>
			btoa(JSON.stringify(v))
				.replaceAll("+", "-")
				.replaceAll("/", "_")
				.replace(/=+$/, "");
		for (const cursor of [
			"garbage!",
			"e30",
			b64({ t: -1, id: crypto.randomUUID() }),
			b64({ t: 1, id: "not-a-uuid" }),
			b64({ t: 1, id: crypto.randomUUID(), extra: 1 }),
			b64({ s: "newest", t: 1, id: crypto.randomUUID() }),
			b64("x'; drop table orders; --"),
		])
			await expectError(
				await history(
					customer.accessToken,
					`?cursor=${encodeURIComponent(cursor)}`,
				),
				400,
				"INVALID_CURSOR",
			);
	});

	it("answers 400 VALIDATION_FAILED for a limit outside 1..50", async () => {
		const customer = await register();
		for (const limit of ["0", "51", "-1", "2.5", "abc", ""])
			await expectError(
				await history(customer.accessToken, `?limit=${limit}`),
				400,
				"VALIDATION_FAILED",
			);
		const max = await history(customer.accessToken, "?limit=50");
		expect(max.status).toBe(200);
	});

	it("reads a page through orders_user_placed_idx, without sorting the customer's orders", async () => {
		const query = orderHistorySql(
			crypto.randomUUID(),
			21,
			// A keyset from a previous page.
			{ t: Date.UTC(2030, 0, 1) * 1000, id: crypto.randomUUID() },
		);
		const db = testDb();
		// Forbid the sequential scan a tiny test table would invite, so the plan shows what the
		// predicate and ORDER BY can use.
		const [, plan] = await db.batch([
			db.execute(sql`set local enable_seqscan = off`),
			db.execute<{ "QUERY PLAN": string }>(sql`explain ${query}`),
		]);
		const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
		expect(text).toMatch(/Index Scan using orders_user_placed_idx on orders o/);
		expect(text).toMatch(
			/Index Cond: \(\(user_id = .*\) AND \(ROW\(placed_at, id\) < ROW/,
		);
		// The page itself is the index order: the only sort is of the ≤ 21 grouped rows.
		expect(text).not.toMatch(/Sort Key: o\.placed_at/);
	});
});

describe("GET /v1/orders with checkout-made orders", () => {
	it("lists an order placed through checkout with its summary", async () => {
		const placed = await placeOrder({ quantities: [3] });
		const res = await history(placed.who.accessToken ?? "");
		const { data } = (await res.json()) as Page;
		expect(data).toEqual([
			{
				id: placed.order.id,
				number: placed.order.number,
				status: "pending_payment",
				currency: placed.order.currency,
				subtotal: placed.order.subtotal,
				shippingTotal: placed.order.shippingTotal,
				taxTotal: 0,
				total: placed.order.total,
				refundedTotal: 0,
				itemCount: 3,
				items: [{ name: placed.product.name, image: null }],
				placedAt: placed.order.placedAt,
			},
		]);
	});
});

describe("GET /v1/openapi.json (orders reading, shipping methods)", () => {
	it("documents the read routes and their schemas", async () => {
		const doc = (await (await call("/v1/openapi.json")).json()) as {
			paths: Record<string, Record<string, unknown>>;
			components: { schemas: Record<string, unknown> };
		};
		for (const path of [
			"/v1/orders/{id}",
			"/v1/orders/{id}/items",
			"/v1/orders/{id}/payment",
			"/v1/shipping-methods",
		])
			expect(Object.keys(doc.paths[path] ?? {}), path).toEqual(["get"]);
		expect(Object.keys(doc.paths["/v1/orders"] ?? {})).toContain("get");
		expect(
			Object.keys(doc.paths["/v1/admin/shipping-methods"] ?? {}).sort(),
		).toEqual(["get", "post"]);
		expect(
			Object.keys(doc.paths["/v1/admin/shipping-methods/{code}"] ?? {}).sort(),
		).toEqual(["delete", "patch"]);
		for (const schema of [
			"Order",
			"OrderItem",
			"OrderSummary",
			"OrderPayment",
			"ShippingMethod",
			"AdminShippingMethod",
			"Me",
		])
			expect(doc.components.schemas, schema).toHaveProperty(schema);
	});
});
