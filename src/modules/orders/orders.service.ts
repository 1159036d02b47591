import { and, eq, type SQL } from "drizzle-orm";
import type Stripe from "stripe";
import { z } from "zod";
import type { Db } from "../../db/client";
import { orders } from "../../db/schema";
import { ApiError } from "../../lib/errors";
import { decodeKeyset, keysetPage } from "../../lib/keyset-cursor";
import {
	isProviderFailure,
	providerUnavailable,
} from "../payments/stripe.calls";
import { type OrderReader, readableBy } from "./orders.access";
import {
	type HistoryKeyset,
	type OrderItemsRow,
	type OrderPaymentRow,
	type OrderSummaryRow,
	type OrderViewRow,
	orderHistorySql,
	orderItemsSql,
	orderPaymentSql,
	orderViewSql,
} from "./orders.queries";
import type { OrderSummary, OrderView } from "./orders.schemas";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const notFound = () => new ApiError("NOT_FOUND", "Order not found");

/**
 * The reader's order `id` as a predicate on `orders`. An id that is not a UUID, or a reader
 * who can see nothing, is a 404 before any round trip: the same answer as someone else's order.
 */
function readableOrder(reader: OrderReader, id: string): SQL {
	if (reader.kind === "nobody" || !UUID.test(id)) throw notFound();
	return and(eq(orders.id, id), readableBy(reader)) as SQL;
}

/** One order as its customer sees it, in one round trip; 404 unless the reader may see it. */
export async function getOrder(
	db: Db,
	reader: OrderReader,
	id: string,
): Promise<OrderView> {
	const { rows } = await db.execute<OrderViewRow>(
		orderViewSql(readableOrder(reader, id)),
	);
	const row = rows[0];
	if (!row) throw notFound();
	return row.order;
}

/** An order's lines, in one round trip; 404 unless the reader may see the order. */
export async function getOrderItems(
	db: Db,
	reader: OrderReader,
	id: string,
): Promise<OrderView["items"]> {
	const { rows } = await db.execute<OrderItemsRow>(
		orderItemsSql(readableOrder(reader, id)),
	);
	const row = rows[0];
	if (!row) throw notFound();
	return row.items;
}

export interface PendingPayment {
	paymentIntentId: string;
	clientSecret: string;
	status: Stripe.PaymentIntent.Status;
}

/**
 * What a storefront needs to resume paying an unpaid order: the PaymentIntent's client secret
 * (never stored by us, so read from Stripe) and its live status. One round trip + one Stripe
 * read. Only a `pending_payment` order has a payment to resume: any other is 409 naming its status.
 */
export async function getPendingPayment(
	db: Db,
	stripe: Stripe,
	reader: OrderReader,
	id: string,
): Promise<PendingPayment> {
	const { rows } = await db.execute<OrderPaymentRow>(
		orderPaymentSql(readableOrder(reader, id)),
	);
	const order = rows[0];
	if (!order) throw notFound();
	if (order.status !== "pending_payment")
		throw new ApiError(
			"INVALID_ORDER_STATE",
			`The order is ${order.status}: there is no payment to resume`,
			{ status: order.status },
		);
	// Checkout stores the PaymentIntent in its second batch; in between there is nothing to resume yet.
	if (!order.payment_intent_id)
		throw new ApiError(
			"INVALID_ORDER_STATE",
			"The order's payment is still being set up; try again shortly",
			{ status: order.status },
		);
	let intent: Stripe.PaymentIntent;
	try {
		intent = await stripe.paymentIntents.retrieve(order.payment_intent_id);
	} catch (err) {
		// Stripe down, slow or throttling: 503, retry. Anything else (e.g. the PaymentIntent is
		// unknown there) is our inconsistency: a logged 500.
		if (isProviderFailure(err)) throw providerUnavailable();
		throw err;
	}
	if (!intent.client_secret)
		throw new Error("PaymentIntent without a client secret");
	return {
		paymentIntentId: intent.id,
		clientSecret: intent.client_secret,
		status: intent.status,
	};
}

const keysetSchema = z.strictObject({
	t: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
	id: z.uuid(),
});

function toSummary({
	placed_us: _,
	...summary
}: OrderSummaryRow): OrderSummary {
	return summary;
}

/** A page of the customer's orders, newest first, in one round trip. */
export async function listOrders(
	db: Db,
	params: { userId: string; limit: number; cursor?: string },
): Promise<{ data: OrderSummary[]; nextCursor: string | null }> {
	const after = params.cursor
		? decodeKeyset(params.cursor, (v) => keysetSchema.parse(v) as HistoryKeyset)
		: undefined;
	const { rows } = await db.execute<OrderSummaryRow>(
		orderHistorySql(params.userId, params.limit + 1, after),
	);
	const page = keysetPage(rows, params.limit, (last) => ({
		t: Number(last.placed_us),
		id: last.id,
	}));
	return { data: page.rows.map(toSummary), nextCursor: page.nextCursor };
}

/** How many orders GET /v1/me shows. */
const RECENT_ORDERS = 5;

/**
 * The customer's last RECENT_ORDERS orders (history summaries) as a query, so /v1/me can send
 * it in the same batch as the profile: one round trip for both.
 */
export function recentOrdersQuery(db: Db, userId: string) {
	return db.execute<OrderSummaryRow>(orderHistorySql(userId, RECENT_ORDERS));
}

/** Rows of recentOrdersQuery as the API shows them. */
export const recentOrders = (rows: OrderSummaryRow[]): OrderSummary[] =>
	rows.map(toSummary);
