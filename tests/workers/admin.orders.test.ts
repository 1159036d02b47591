import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AdminOrder } from "../../src/modules/orders/admin.orders.schemas";
import type { OrderView } from "../../src/modules/orders/orders.schemas";
import { adminGet, adminPost, holdingLocks, newAdmin } from "./helpers/admin";
import { bearer } from "./helpers/auth";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import {
	captureQueues,
	consume,
	deliver,
	eventOf,
	eventsOf,
	ledgerOf,
	messageOf,
	orderRow,
	paidOrder,
	pay,
	pendingOrder,
	refundsOf,
	stockOf,
	timelineOf,
} from "./helpers/payments";

afterEach(() => vi.restoreAllMocks());

const base = (id: string) => `/v1/admin/orders/${id}`;
const ship = { carrier: "Royal Mail", trackingNumber: "RM123456789GB" };

describe("GET /v1/admin/orders/{id}", () => {
	it("answers the order with customer, lines, timeline (internal notes, actor ids) in one round trip", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const noted = await adminPost(admin, `${base(o.orderId)}/notes`, {
			body: "VIP",
		});
		expect(noted.status).toBe(201);
		expect(dbRoundTrips(noted)).toBe(1);
		const res = await adminGet(admin, base(o.orderId));
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const order = (await res.json()) as AdminOrder;
		expect(order).toMatchObject({
			id: o.orderId,
			status: "paid",
			customer: { email: o.placed.email, name: "Test Customer" },
			fulfillments: [],
			refunds: [],
			failedStripeEvents: [],
			lines: [{ quantity: 2, shippedQuantity: 0, restockedQuantity: 0 }],
		});
		expect(order.timeline.at(-1)).toMatchObject({
			type: "note",
			actor: "admin",
			actorId: admin.id,
			internal: true,
			data: { body: "VIP" },
		});
		// The customer never sees the note.
		const mine = (await (
			await call(`/v1/orders/${o.orderId}`, {
				headers: bearer(o.placed.who.accessToken ?? ""),
			})
		).json()) as OrderView;
		expect(mine.timeline.map((e) => e.type)).not.toContain("note");
	});

	it("shows the payment and the Stripe events the queue gave up on for this order", async () => {
		captureQueues();
		vi.spyOn(console, "error").mockImplementation(() => {});
		const admin = await newAdmin();
		const o = await pendingOrder();
		const other = await pendingOrder();
		expect(await pay(o.pi)).toBe(200);
		const succeeded = await eventOf(o.pi, "payment_intent.succeeded");
		expect((await deliver(succeeded)).status).toBe(200);
		// Retries exhausted: the dead-letter consumer marks the event failed.
		const dead = await consume("voidshop-stripe-events-dlq", [
			messageOf(succeeded),
		]);
		expect(dead.explicitAcks).toHaveLength(1);
		const order = (await (
			await adminGet(admin, base(o.orderId))
		).json()) as AdminOrder;
		expect(order.status).toBe("pending_payment");
		expect(order.payment).toMatchObject({ paymentIntentId: o.pi });
		expect(order.failedStripeEvents).toEqual([
			{
				id: succeeded.id,
				type: "payment_intent.succeeded",
				objectId: o.pi,
				receivedAt: expect.any(String),
				failedAt: expect.any(String),
				lastError: "dead-lettered",
			},
		]);
		// Another order's view does not show it.
		const theirs = (await (
			await adminGet(admin, base(other.orderId))
		).json()) as AdminOrder;
		expect(theirs.failedStripeEvents).toEqual([]);
	});

	it("answers 404 for an unknown id and for one that is not a UUID", async () => {
		const admin = await newAdmin();
		await expectError(
			await adminGet(admin, base(crypto.randomUUID())),
			404,
			"NOT_FOUND",
		);
		await expectError(await adminGet(admin, base("nope")), 404, "NOT_FOUND");
	});
});

describe("POST /v1/admin/orders/{id}/notes", () => {
	it("refuses empty bodies, unknown fields, NUL characters and unknown orders", async () => {
		const admin = await newAdmin();
		const o = await pendingOrder();
		for (const body of [
			{},
			{ body: "  " },
			{ body: "x", extra: 1 },
			[],
			{ body: "a\u0000b" },
		])
			await expectError(
				await adminPost(admin, `${base(o.orderId)}/notes`, body),
				400,
				"VALIDATION_FAILED",
			);
		await expectError(
			await adminPost(admin, `${base(crypto.randomUUID())}/notes`, {
				body: "x",
			}),
			404,
			"NOT_FOUND",
		);
	});
});

describe("POST /v1/admin/orders/{id}/fulfillments", () => {
	it("ships every unit: fulfilled, a shipping_update email, the admin on the timeline, one round trip", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		queues.emails.length = 0;
		const res = await adminPost(admin, `${base(o.orderId)}/fulfillments`, {
			...ship,
			trackingUrl: "https://track.example.com/RM123456789GB",
		});
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const order = (await res.json()) as AdminOrder;
		expect(order.status).toBe("fulfilled");
		expect(order.fulfillments).toEqual([
			expect.objectContaining({
				...ship,
				createdBy: admin.id,
				items: [{ orderItemId: order.items[0]?.id, quantity: 2 }],
			}),
		]);
		expect(order.lines[0]?.shippedQuantity).toBe(2);
		expect(await timelineOf(o.orderId)).toEqual(
			expect.arrayContaining([
				"fulfillment_created admin",
				"status_changed paid→fulfilled admin",
			]),
		);
		expect(queues.emails).toEqual([
			expect.objectContaining({
				template: "shipping_update",
				data: expect.objectContaining({
					status: "shipped",
					trackingNumber: ship.trackingNumber,
					trackingUrl: "https://track.example.com/RM123456789GB",
				}),
			}),
		]);
	});

	it("ships listed units: paid until every unit has shipped", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const itemId = o.placed.order.items[0]?.id;
		const first = await adminPost(admin, `${base(o.orderId)}/fulfillments`, {
			...ship,
			items: [{ orderItemId: itemId, quantity: 1 }],
		});
		expect(first.status).toBe(201);
		expect(((await first.json()) as AdminOrder).status).toBe("paid");
		await expectError(
			await adminPost(admin, `${base(o.orderId)}/fulfillments`, {
				...ship,
				items: [{ orderItemId: itemId, quantity: 2 }],
			}),
			409,
			"NOTHING_TO_FULFIL",
		);
		const rest = await adminPost(admin, `${base(o.orderId)}/fulfillments`, {
			...ship,
			trackingNumber: "RM2",
		});
		expect(rest.status).toBe(201);
		const order = (await rest.json()) as AdminOrder;
		expect(order.status).toBe("fulfilled");
		expect(order.fulfillments.map((f) => f.items[0]?.quantity)).toEqual([1, 1]);
	});

	it("ships what is left of a partially refunded order, which stays partially_refunded", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const itemId = o.placed.order.items[0]?.id;
		const refunded = await adminPost(
			admin,
			`${base(o.orderId)}/refunds`,
			{
				amount: 500,
				reason: "one unit broken",
				restock: [{ orderItemId: itemId, quantity: 1 }],
			},
			{ "Idempotency-Key": crypto.randomUUID() },
		);
		expect(refunded.status).toBe(201);
		expect((await orderRow(o.orderId)).status).toBe("partially_refunded");
		queues.emails.length = 0;
		const res = await adminPost(admin, `${base(o.orderId)}/fulfillments`, ship);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const order = (await res.json()) as AdminOrder;
		expect(order.status).toBe("partially_refunded");
		// One unit was restocked by the refund: only the other one ships.
		expect(order.fulfillments).toEqual([
			expect.objectContaining({
				items: [{ orderItemId: itemId, quantity: 1 }],
			}),
		]);
		expect(order.lines[0]).toMatchObject({
			shippedQuantity: 1,
			restockedQuantity: 1,
		});
		expect(queues.emails).toEqual([
			expect.objectContaining({ template: "shipping_update" }),
		]);
		await expectError(
			await adminPost(admin, `${base(o.orderId)}/fulfillments`, ship),
			409,
			"NOTHING_TO_FULFIL",
		);
	});

	it("refuses a fully refunded order", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		expect(
			(
				await adminPost(
					admin,
					`${base(o.orderId)}/refunds`,
					{ reason: "all of it" },
					{ "Idempotency-Key": crypto.randomUUID() },
				)
			).status,
		).toBe(201);
		const err = await expectError(
			await adminPost(admin, `${base(o.orderId)}/fulfillments`, ship),
			409,
			"INVALID_ORDER_STATE",
		);
		expect(err.details).toEqual({ status: "refunded" });
	});

	it("has one effect when double-clicked (concurrently)", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		queues.emails.length = 0;
		// The clicks arrive while the order row is locked elsewhere, so they truly overlap.
		const answers = await holdingLocks(
			sql`select id from orders where id = ${o.orderId}::uuid for update`,
			600,
			() =>
				Promise.all(
					[1, 2, 3].map(() =>
						adminPost(admin, `${base(o.orderId)}/fulfillments`, ship),
					),
				),
		);
		expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409]);
		const order = (await (
			await adminGet(admin, base(o.orderId))
		).json()) as AdminOrder;
		expect(order.fulfillments).toHaveLength(1);
		expect(order.lines[0]?.shippedQuantity).toBe(2);
		expect(queues.emails).toHaveLength(1);
	});

	it("refuses an unpaid order, another order's line, and bad input", async () => {
		captureQueues();
		const admin = await newAdmin();
		const pending = await pendingOrder();
		const other = await paidOrder();
		await expectError(
			await adminPost(admin, `${base(pending.orderId)}/fulfillments`, ship),
			409,
			"INVALID_ORDER_STATE",
		);
		await expectError(
			await adminPost(admin, `${base(other.orderId)}/fulfillments`, {
				...ship,
				items: [
					{ orderItemId: pending.placed.order.items[0]?.id, quantity: 1 },
				],
			}),
			404,
			"NOT_FOUND",
		);
		for (const body of [
			{ carrier: "x" },
			{ ...ship, trackingUrl: "javascript:alert(1)" },
			{ ...ship, items: [{ orderItemId: crypto.randomUUID(), quantity: -1 }] },
			{ ...ship, items: [] },
			{ ...ship, extra: true },
		])
			await expectError(
				await adminPost(admin, `${base(other.orderId)}/fulfillments`, body),
				400,
				"VALIDATION_FAILED",
			);
		expect((await orderRow(other.orderId)).status).toBe("paid");
	});
});

describe("POST /v1/admin/orders/{id}/deliver", () => {
	it("moves fulfilled → delivered once; anything else is 409", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		await expectError(
			await adminPost(admin, `${base(o.orderId)}/deliver`, {}),
			409,
			"INVALID_ORDER_STATE",
		);
		await adminPost(admin, `${base(o.orderId)}/fulfillments`, ship);
		queues.emails.length = 0;
		const res = await adminPost(admin, `${base(o.orderId)}/deliver`, {});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(((await res.json()) as AdminOrder).status).toBe("delivered");
		expect(queues.emails).toEqual([
			expect.objectContaining({
				template: "shipping_update",
				data: expect.objectContaining({ status: "delivered" }),
			}),
		]);
		const again = await expectError(
			await adminPost(admin, `${base(o.orderId)}/deliver`, {}),
			409,
			"INVALID_ORDER_STATE",
		);
		expect(again.details).toEqual({ status: "delivered" });
		expect(await timelineOf(o.orderId)).toContain(
			"status_changed fulfilled→delivered admin",
		);
	});
});

describe("POST /v1/admin/orders/{id}/cancel", () => {
	it("cancels a paid order with a full refund and restock; the admin's reason stays internal", async () => {
		const queues = captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		queues.emails.length = 0;
		const res = await adminPost(admin, `${base(o.orderId)}/cancel`, {
			reason: "fraud suspected",
		});
		expect(res.status).toBe(200);
		// The order lookup, the cancel's batch, then the internal reason with the audit row.
		expect(dbRoundTrips(res)).toBe(3);
		const answered = (await res.json()) as OrderView;
		expect(answered).toMatchObject({
			status: "cancelled",
			cancelReason: "cancelled_by_merchant",
			refundedTotal: o.total,
		});
		expect(JSON.stringify(answered)).not.toContain("fraud");
		// The customer's own view, the refund row and the email: the neutral code only.
		const mine = await call(`/v1/orders/${o.orderId}`, {
			headers: bearer(o.placed.who.accessToken ?? ""),
		});
		const mineText = await mine.text();
		expect(JSON.parse(mineText)).toMatchObject({
			cancelReason: "cancelled_by_merchant",
		});
		expect(mineText).not.toContain("fraud");
		expect((await refundsOf(o.orderId)).map((r) => r.reason)).toEqual([
			"cancelled_by_merchant",
		]);
		expect(queues.about(o.orderId)).toContainEqual(
			expect.objectContaining({
				template: "order_cancelled",
				data: expect.objectContaining({ reason: "cancelled_by_merchant" }),
			}),
		);
		expect(JSON.stringify(queues.emails)).not.toContain("fraud");
		expect(await stockOf(o.variantId)).toEqual({ onHand: 5, reserved: 0 });
		expect(await ledgerOf(o.orderId)).toContain("restock 2/0");
		const audit = (await (
			await adminGet(admin, `/v1/admin/audit-log?targetId=${o.orderId}`)
		).json()) as { data: { action: string; after: unknown }[] };
		expect(audit.data).toEqual([
			expect.objectContaining({
				action: "order.cancel",
				after: { status: "cancelled", reason: "fraud suspected" },
			}),
		]);
		const order = (await (
			await adminGet(admin, base(o.orderId))
		).json()) as AdminOrder;
		expect(order.timeline).toContainEqual(
			expect.objectContaining({
				toStatus: "cancelled",
				actor: "admin",
				actorId: admin.id,
			}),
		);
		expect(order.timeline).toContainEqual(
			expect.objectContaining({
				type: "cancel_reason",
				internal: true,
				actorId: admin.id,
				data: { reason: "fraud suspected" },
			}),
		);
	});

	it("cancels a pending order; a fulfilled one is 409; a reason is required", async () => {
		captureQueues();
		const admin = await newAdmin();
		const pending = await pendingOrder();
		const res = await adminPost(admin, `${base(pending.orderId)}/cancel`, {
			reason: "customer called",
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(3);
		expect(await stockOf(pending.variantId)).toEqual({
			onHand: 5,
			reserved: 0,
		});
		// The PaymentIntent was cancelled at Stripe, so the customer can no longer pay it.
		expect((await eventsOf(pending.pi)).map((e) => e.type)).toContain(
			"payment_intent.canceled",
		);
		const o = await paidOrder();
		await expectError(
			await adminPost(admin, `${base(o.orderId)}/cancel`, {}),
			400,
			"VALIDATION_FAILED",
		);
		await adminPost(admin, `${base(o.orderId)}/fulfillments`, ship);
		await expectError(
			await adminPost(admin, `${base(o.orderId)}/cancel`, { reason: "late" }),
			409,
			"INVALID_ORDER_STATE",
		);
		await expectError(
			await adminPost(admin, `${base(crypto.randomUUID())}/cancel`, {
				reason: "x",
			}),
			404,
			"NOT_FOUND",
		);
	});
});

describe("the admin audit log of order actions", () => {
	it("holds one row per action that changed something, with the admin and the request", async () => {
		captureQueues();
		const admin = await newAdmin();
		const o = await paidOrder();
		const note = await adminPost(admin, `${base(o.orderId)}/notes`, {
			body: "call first",
		});
		const shipped = await adminPost(
			admin,
			`${base(o.orderId)}/fulfillments`,
			ship,
		);
		expect(
			(await adminPost(admin, `${base(o.orderId)}/fulfillments`, ship)).status,
		).toBe(409);
		expect(
			(await adminPost(admin, `${base(o.orderId)}/deliver`, {})).status,
		).toBe(200);
		expect(
			(await adminPost(admin, `${base(o.orderId)}/deliver`, {})).status,
		).toBe(409);
		const res = await adminGet(
			admin,
			`/v1/admin/audit-log?targetType=order&targetId=${o.orderId}`,
		);
		expect(res.status).toBe(200);
		const { data } = (await res.json()) as {
			data: { action: string; actorId: string; requestId: string }[];
		};
		expect(data.map((e) => e.action)).toEqual([
			"order.deliver",
			"order.fulfil",
			"order.note",
		]);
		expect(data.every((e) => e.actorId === admin.id)).toBe(true);
		expect(data.map((e) => e.requestId).slice(1)).toEqual([
			shipped.headers.get("x-request-id"),
			note.headers.get("x-request-id"),
		]);

		// The other filters, and pages of one walked to the end.
		const actions = async (query: string) => {
			const r = await adminGet(admin, `/v1/admin/audit-log?${query}`);
			expect(r.status).toBe(200);
			return ((await r.json()) as { data: { action: string }[] }).data.map(
				(e) => e.action,
			);
		};
		expect(await actions(`actorId=${admin.id}`)).toEqual([
			"order.deliver",
			"order.fulfil",
			"order.note",
		]);
		expect(
			await actions(`actorId=${(await newAdmin()).id}&targetId=${o.orderId}`),
		).toEqual([]);
		expect(await actions(`actorId=${admin.id}&action=order.fulfil`)).toEqual([
			"order.fulfil",
		]);
		const at = (data as unknown as { at: string }[]).map((e) => e.at);
		expect(
			await actions(`actorId=${admin.id}&from=${at[1]}&to=${at[0]}`),
		).toEqual(["order.fulfil"]);
		const walked: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const r = await adminGet(
				admin,
				`/v1/admin/audit-log?actorId=${admin.id}&limit=1${cursor ? `&cursor=${cursor}` : ""}`,
			);
			expect(dbRoundTrips(r)).toBe(1);
			const page = (await r.json()) as {
				data: { action: string }[];
				nextCursor: string | null;
			};
			walked.push(...page.data.map((e) => e.action));
			cursor = page.nextCursor;
			pages++;
		} while (cursor && pages < 10);
		expect({ walked, pages }).toEqual({
			walked: ["order.deliver", "order.fulfil", "order.note"],
			pages: 3,
		});
	});
});
