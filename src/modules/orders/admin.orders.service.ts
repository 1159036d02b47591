import { sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import { ApiError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import {
	decodeKeyset,
	keysetPage,
	timeIdKeyset,
} from "../../lib/keyset-cursor";
import type { Services } from "../../services";
import { type AuditActor, auditSql } from "../admin/audit.queries";
import {
	type ActionRow,
	deliverSql,
	type FulfilInput,
	fulfilSql,
	lockOrderSql,
	noteSql,
} from "./admin.actions.queries";
import {
	type AdminOrderFilters,
	type AdminOrderKeyset,
	type AdminOrderSort,
	adminOrderListSql,
	adminOrderSql,
} from "./admin.orders.queries";
import type {
	AdminOrder,
	AdminOrderList,
	AdminOrderSummary,
} from "./admin.orders.schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = () => new ApiError("NOT_FOUND", "Order not found");

/** An id that is not a UUID names no order: 404 before any round trip. */
export function orderIdOrNotFound(id: string): string {
	if (!UUID.test(id)) throw notFound();
	return id;
}

function invalidState(status: string | null, action: string): ApiError {
	return new ApiError(
		"INVALID_ORDER_STATE",
		`An order in status ${status} cannot be ${action}`,
		{ status },
	);
}

/** The admin view of one order (one round trip). */
export async function getAdminOrder(
	{ db }: Services,
	orderId: string,
): Promise<AdminOrder> {
	const res = await db.execute<{ order: AdminOrder }>(
		adminOrderSql(orderIdOrNotFound(orderId)),
	);
	const order = res.rows[0]?.order;
	if (!order) throw notFound();
	return order;
}

interface Cursor extends AdminOrderKeyset {
	s: AdminOrderSort;
}

/** A page of every order (one round trip). */
export async function listAdminOrders(
	{ db }: Services,
	p: AdminOrderFilters & {
		sort: AdminOrderSort;
		limit: number;
		cursor?: string;
	},
): Promise<AdminOrderList> {
	const after = p.cursor
		? decodeKeyset(p.cursor, (v) => {
				// Minted for this sort only; `k` is the sort key in integer form.
				const c = v as Cursor;
				const k =
					c?.s === p.sort ? timeIdKeyset({ t: c.k, id: c.id }) : undefined;
				return k && { k: k.t, id: k.id };
			})
		: undefined;
	const res = await db.execute<AdminOrderSummary & { sort_key: string }>(
		adminOrderListSql(p, p.sort, p.limit + 1, after),
	);
	const page = keysetPage(res.rows, p.limit, (last) => ({
		s: p.sort,
		k: Number(last.sort_key),
		id: last.id,
	}));
	return {
		data: page.rows.map(({ sort_key: _, ...row }) => row),
		nextCursor: page.nextCursor,
	};
}

/** An internal note on the timeline; answers the order (one round trip). */
export async function addNote(
	{ db }: Services,
	p: { orderId: string; body: string } & AuditActor,
): Promise<AdminOrder> {
	const id = orderIdOrNotFound(p.orderId);
	const noteId = uuidv7();
	const done = await batch(db, {
		note: db.execute(
			noteSql({ noteId, orderId: id, adminId: p.actorId, body: p.body }),
		),
		audit: db.execute(
			auditSql(p, {
				action: "order.note",
				targetType: "order",
				targetId: id,
				after: { noteId },
				when: sql`exists (select 1 from order_events where id = ${noteId}::uuid)`,
			}),
		),
		view: db.execute<{ order: AdminOrder }>(adminOrderSql(id)),
	});
	const order = done.view.rows[0]?.order;
	if (!done.note.rows.length || !order) throw notFound();
	return order;
}

function recipient(order: AdminOrder) {
	return {
		email: order.email,
		name: order.shippingAddress.name || order.email,
	};
}

/** `fulfilled → delivered` (one round trip), then the `shipping_update` email. */
export async function deliverOrder(
	services: Services,
	p: { orderId: string } & AuditActor,
): Promise<AdminOrder> {
	const { db } = services;
	const id = orderIdOrNotFound(p.orderId);
	const eventId = uuidv7();
	const done = await batch(db, {
		deliver: db.execute<ActionRow>(
			deliverSql({ eventId, orderId: id, adminId: p.actorId }),
		),
		audit: db.execute(
			auditSql(p, {
				action: "order.deliver",
				targetType: "order",
				targetId: id,
				after: { status: "delivered" },
				when: sql`exists (select 1 from order_events where id = ${eventId}::uuid)`,
			}),
		),
		view: db.execute<{ order: AdminOrder }>(adminOrderSql(id)),
	});
	const row = done.deliver.rows[0];
	const order = done.view.rows[0]?.order;
	if (!row || !order || row.outcome === "not_found") throw notFound();
	if (row.outcome !== "ok") throw invalidState(row.status, "delivered");
	await services.emails.send({
		template: "shipping_update",
		idempotencyKey: `shipping_update:delivered:${order.id}`,
		to: recipient(order),
		data: { orderId: order.id, orderNumber: order.number, status: "delivered" },
	});
	return order;
}

/**
 * Ships units of a paid order (one round trip: lock, fulfil, read), then the `shipping_update`
 * email with the tracking. A repeat of the same request finds nothing left to ship: 409.
 */
export async function fulfilOrder(
	services: Services,
	p: Omit<FulfilInput, "fulfillmentId" | "adminId"> & AuditActor,
): Promise<AdminOrder> {
	const { db } = services;
	const id = orderIdOrNotFound(p.orderId);
	const fulfillmentId = uuidv7();
	const done = await batch(db, {
		lock: db.execute(lockOrderSql(id)),
		fulfil: db.execute<ActionRow>(
			fulfilSql({ ...p, fulfillmentId, orderId: id, adminId: p.actorId }),
		),
		audit: db.execute(
			auditSql(p, {
				action: "order.fulfil",
				targetType: "order",
				targetId: id,
				after: {
					fulfillmentId,
					carrier: p.carrier,
					trackingNumber: p.trackingNumber,
					items: p.items ?? "all",
				},
				when: sql`exists (select 1 from fulfillments where id = ${fulfillmentId}::uuid)`,
			}),
		),
		view: db.execute<{ order: AdminOrder }>(adminOrderSql(id)),
	});
	const row = done.fulfil.rows[0];
	const order = done.view.rows[0]?.order;
	if (!row || !order || row.outcome === "not_found") throw notFound();
	switch (row.outcome) {
		case "ok":
			break;
		case "invalid_state":
			throw invalidState(row.status, "fulfilled");
		case "unknown_item":
			throw new ApiError("NOT_FOUND", "Order item not found", {
				field: "items",
			});
		default:
			throw new ApiError(
				"NOTHING_TO_FULFIL",
				row.outcome === "too_many"
					? "More units than the line has left to ship"
					: "Every unit has shipped already",
				{ reason: row.outcome },
			);
	}
	await services.emails.send({
		template: "shipping_update",
		idempotencyKey: `shipping_update:${fulfillmentId}`,
		to: recipient(order),
		data: {
			orderId: order.id,
			orderNumber: order.number,
			status: "shipped",
			carrier: p.carrier,
			trackingNumber: p.trackingNumber,
			trackingUrl: p.trackingUrl,
		},
	});
	return order;
}
