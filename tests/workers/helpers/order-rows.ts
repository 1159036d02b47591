import { env } from "cloudflare:workers";
import type { OrderStatus } from "../../../src/db/schema";
import {
	images,
	orderEvents,
	orderItems,
	orders,
	refunds,
} from "../../../src/db/schema";
import { uuidv7 } from "../../../src/lib/ids";
import { randomToken, sha256Hex } from "../../../src/lib/tokens";
import { testDb } from "./db";

/**
 * Orders written straight into the test database, for what checkout cannot arrange quickly or
 * at all: many orders of one customer at chosen times, refunds, timeline events (internal ones
 * too), images deleted since. Checkout-made orders are used where the flow itself matters.
 */
export interface LineSpec {
	name?: string;
	unitPrice?: number;
	quantity?: number;
	imageKey?: string | null;
	productId?: string | null;
	variantId?: string | null;
	options?: Record<string, string>;
}

export interface OrderRowSpec {
	/** The customer; omit for a guest order (an order token is made). */
	userId?: string;
	status?: OrderStatus;
	placedAt?: Date;
	lines?: LineSpec[];
	paymentIntentId?: string | null;
	paymentStatus?: string | null;
	paidAt?: Date | null;
	cancelledAt?: Date | null;
	cancelReason?: string | null;
	refundedTotal?: number;
	events?: {
		type: string;
		fromStatus?: OrderStatus | null;
		toStatus?: OrderStatus | null;
		actor: "customer" | "admin" | "stripe" | "system";
		actorId?: string | null;
		data?: Record<string, unknown>;
		internal?: boolean;
		at: Date;
	}[];
	refunds?: {
		amount: number;
		reason: string;
		status?: "pending" | "succeeded" | "failed";
		at: Date;
	}[];
}

export const SNAPSHOT_ADDRESS = {
	name: "Ada Lovelace",
	line1: "12 St James's Square",
	line2: null,
	city: "London",
	region: null,
	postalCode: "SW1Y 4JH",
	country: "GB",
	phone: null,
};

export const SNAPSHOT_SHIPPING = {
	code: "standard",
	name: "Standard (3-5 business days)",
	price: 495,
};

export interface InsertedOrder {
	id: string;
	number: string;
	itemIds: string[];
	/** Only for guest orders: what the guest sends as X-Order-Token. */
	token?: string;
}

/** Inserts one order with its lines, events and refunds in one batch. */
export async function insertOrder(
	spec: OrderRowSpec = {},
): Promise<InsertedOrder> {
	const db = testDb();
	const id = uuidv7();
	const token = spec.userId ? undefined : randomToken();
	const lines = (spec.lines ?? [{}]).map((l, i) => {
		const unitPrice = l.unitPrice ?? 1000;
		const quantity = l.quantity ?? 1;
		return {
			id: uuidv7(),
			orderId: id,
			variantId: l.variantId ?? null,
			productId: l.productId ?? null,
			sku: `SKU-${id.slice(-8)}-${i}`,
			productName: l.name ?? `Line ${i}`,
			productSlug: `line-${i}`,
			options: l.options ?? {},
			imageKey: l.imageKey ?? null,
			unitPrice,
			quantity,
			lineTotal: unitPrice * quantity,
			position: i,
		};
	});
	const subtotal = lines.reduce((sum, l) => sum + l.lineTotal, 0);
	const placedAt = spec.placedAt ?? new Date();
	const [[row]] = await db.batch([
		db
			.insert(orders)
			.values({
				id,
				userId: spec.userId ?? null,
				email: "reader@example.com",
				status: spec.status ?? "pending_payment",
				currency: "EUR",
				subtotal,
				shippingTotal: SNAPSHOT_SHIPPING.price,
				total: subtotal + SNAPSHOT_SHIPPING.price,
				refundedTotal: spec.refundedTotal ?? 0,
				shippingAddress: SNAPSHOT_ADDRESS,
				shippingMethod: SNAPSHOT_SHIPPING,
				paymentIntentId:
					spec.paymentIntentId === undefined
						? `pi_rows_${id.replaceAll("-", "")}`
						: spec.paymentIntentId,
				paymentStatus:
					spec.paymentStatus === undefined
						? "requires_payment_method"
						: spec.paymentStatus,
				paymentDueAt: new Date(placedAt.getTime() + 30 * 60_000),
				accessTokenHash: token ? await sha256Hex(token) : null,
				placedAt,
				paidAt: spec.paidAt ?? null,
				cancelledAt: spec.cancelledAt ?? null,
				cancelReason: spec.cancelReason ?? null,
			})
			.returning({ number: orders.orderNumber }),
		db.insert(orderItems).values(lines),
		...(spec.events ?? []).map((e) =>
			db.insert(orderEvents).values({
				id: uuidv7(),
				orderId: id,
				type: e.type,
				fromStatus: e.fromStatus ?? null,
				toStatus: e.toStatus ?? null,
				actor: e.actor,
				actorId: e.actorId ?? null,
				data: e.data ?? {},
				internal: e.internal ?? false,
				createdAt: e.at,
			}),
		),
		...(spec.refunds ?? []).map((r) =>
			db.insert(refunds).values({
				id: uuidv7(),
				orderId: id,
				amount: r.amount,
				currency: "EUR",
				reason: r.reason,
				status: r.status ?? "succeeded",
				createdAt: r.at,
				updatedAt: r.at,
			}),
		),
	]);
	if (!row) throw new Error("order insert returned nothing");
	return { id, number: row.number, itemIds: lines.map((l) => l.id), token };
}

/** A catalog image row for `productId` (the bytes are never fetched by these tests). */
export async function insertImage(
	productId: string,
	alt: string,
): Promise<string> {
	const hex = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
	const key = `${hex}.png`;
	await testDb().insert(images).values({
		id: uuidv7(),
		productId,
		key,
		alt,
		contentType: "image/png",
		byteSize: 67,
	});
	return key;
}

const STRIPE_URL = (env as unknown as { STRIPE_LOCAL_URL: string })
	.STRIPE_LOCAL_URL;
/** The Stripe stand-in's origin, for intercepting (failing) the Worker's Stripe calls. */
export const STRIPE_ORIGIN = new URL(STRIPE_URL).origin;

/** Creates a PaymentIntent at the Stripe stand-in, as checkout would. */
export async function standinPaymentIntent(amount: number): Promise<{
	id: string;
	client_secret: string;
	status: string;
}> {
	const res = await fetch(`${STRIPE_URL}/v1/payment_intents`, {
		method: "POST",
		headers: {
			Authorization: `Bearer ${env.STRIPE_SECRET_KEY}`,
			"Content-Type": "application/x-www-form-urlencoded",
		},
		body: new URLSearchParams({
			amount: String(amount),
			currency: "eur",
			"automatic_payment_methods[enabled]": "true",
		}).toString(),
	});
	if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
	return (await res.json()) as {
		id: string;
		client_secret: string;
		status: string;
	};
}
