import { type SQL, sql } from "drizzle-orm";
import {
	bigint,
	boolean,
	check,
	index,
	integer,
	jsonb,
	pgEnum,
	pgSequence,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uniqueIndex,
	uuid,
} from "drizzle-orm/pg-core";
import { carts } from "./cart";
import { products, variants } from "./catalog";
import { users } from "./users";

/**
 * `pending_payment → paid → fulfilled → delivered`; `pending_payment → cancelled`;
 * `paid → cancelled` (with a full refund); `paid|fulfilled|delivered → partially_refunded|refunded`.
 * Every transition is a conditional UPDATE on the expected status (see the orders module).
 */
export const orderStatus = pgEnum("order_status", [
	"pending_payment",
	"paid",
	"fulfilled",
	"delivered",
	"cancelled",
	"partially_refunded",
	"refunded",
]);
export type OrderStatus = (typeof orderStatus.enumValues)[number];

export const orderActor = pgEnum("order_actor", [
	"customer",
	"admin",
	"stripe",
	"system",
]);

const timestamps = {
	createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
};
const currencyCheck = (column: SQL | unknown) => sql`${column} ~ '^[A-Z]{3}$'`;

/** Human order numbers: `VS-10001`, `VS-10002`, … (gaps are fine: a rolled-back batch burns one). */
export const orderNumberSeq = pgSequence("order_number_seq", {
	startWith: 10001,
});

/** What the shop ships with. Prices are per method in one currency; a cart must match it. */
export const shippingMethods = pgTable(
	"shipping_methods",
	{
		id: uuid().primaryKey(),
		code: text().notNull(),
		name: text().notNull(),
		price: integer().notNull(),
		currency: text().notNull(),
		/** Subtotal (minor units) at or above which this method is free; null: never free. */
		freeOver: integer(),
		active: boolean().notNull().default(true),
		position: integer().notNull().default(0),
		...timestamps,
	},
	(t) => [
		uniqueIndex("shipping_methods_code_key").on(t.code),
		check(
			"shipping_methods_code_format",
			sql`${t.code} ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and char_length(${t.code}) <= 64`,
		),
		check(
			"shipping_methods_name_length",
			sql`char_length(${t.name}) between 1 and 200`,
		),
		check("shipping_methods_price_non_negative", sql`${t.price} >= 0`),
		check("shipping_methods_free_over_non_negative", sql`${t.freeOver} >= 0`),
		check("shipping_methods_currency_format", currencyCheck(t.currency)),
	],
);

/** The address an order ships to, copied at checkout (the address book may change later). */
export interface AddressSnapshot {
	name: string;
	line1: string;
	line2: string | null;
	city: string;
	region: string | null;
	postalCode: string;
	country: string;
	phone: string | null;
}

/** The shipping method as it was when the order was placed. */
export interface ShippingSnapshot {
	code: string;
	name: string;
	price: number;
}

export const orders = pgTable(
	"orders",
	{
		id: uuid().primaryKey(),
		number: bigint({ mode: "number" })
			.notNull()
			.default(sql`nextval('order_number_seq')`),
		orderNumber: text()
			.notNull()
			.generatedAlwaysAs((): SQL => sql`'VS-' || ${orders.number}::text`),
		/** Null for a guest order (and after the account is deleted). */
		userId: uuid().references(() => users.id, { onDelete: "set null" }),
		email: text().notNull(),
		status: orderStatus().notNull().default("pending_payment"),
		currency: text().notNull(),
		subtotal: integer().notNull(),
		shippingTotal: integer().notNull(),
		/** Always 0 for now: the named extension point for tax. */
		taxTotal: integer().notNull().default(0),
		total: integer().notNull(),
		/** Sum of succeeded refunds. */
		refundedTotal: integer().notNull().default(0),
		shippingAddress: jsonb().$type<AddressSnapshot>().notNull(),
		shippingMethod: jsonb().$type<ShippingSnapshot>().notNull(),
		/** The cart this order was placed from (closed as `ordered`, reopened if payment setup fails). */
		cartId: uuid().references(() => carts.id, { onDelete: "set null" }),
		paymentIntentId: text(),
		/** The PaymentIntent's last status we saw (Stripe's vocabulary). */
		paymentStatus: text(),
		/** The reservation deadline: unpaid by then, the order is cancelled and its stock released. */
		paymentDueAt: timestamp({ withTimezone: true }).notNull(),
		/** SHA-256 hex of a guest's order access token (X-Order-Token); null for account orders. */
		accessTokenHash: text(),
		placedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		paidAt: timestamp({ withTimezone: true }),
		cancelledAt: timestamp({ withTimezone: true }),
		cancelReason: text(),
		...timestamps,
	},
	(t) => [
		uniqueIndex("orders_number_key").on(t.number),
		uniqueIndex("orders_payment_intent_key").on(t.paymentIntentId),
		uniqueIndex("orders_access_token_hash_key").on(t.accessTokenHash),
		// Order history: a customer's orders, newest first, keyset on (placed_at, id).
		index("orders_user_placed_idx").on(
			t.userId,
			t.placedAt.desc(),
			t.id.desc(),
		),
		index("orders_placed_idx").on(t.placedAt.desc(), t.id.desc()),
		// Reservation expiry (cron): only pending orders, by deadline.
		index("orders_pending_due_idx")
			.on(t.paymentDueAt)
			.where(sql`${t.status} = 'pending_payment'`),
		check(
			"orders_total_is_sum",
			sql`${t.total} = ${t.subtotal} + ${t.shippingTotal} + ${t.taxTotal}`,
		),
		check(
			"orders_amounts_non_negative",
			sql`${t.subtotal} >= 0 and ${t.shippingTotal} >= 0 and ${t.taxTotal} >= 0`,
		),
		check(
			"orders_refunded_within_total",
			sql`${t.refundedTotal} >= 0 and ${t.refundedTotal} <= ${t.total}`,
		),
		check("orders_currency_format", currencyCheck(t.currency)),
		check(
			"orders_email_format",
			sql`${t.email} = btrim(${t.email}) and ${t.email} like '%_@_%'`,
		),
		check(
			"orders_access_token_hash_is_sha256_hex",
			sql`${t.accessTokenHash} ~ '^[0-9a-f]{64}$'`,
		),
		// A guest order is readable only with its access token.
		check(
			"orders_guest_has_token",
			sql`${t.userId} is not null or ${t.accessTokenHash} is not null`,
		),
	],
);

/** One line of an order: what was bought at which price, kept as it was (the catalog may change). */
export const orderItems = pgTable(
	"order_items",
	{
		id: uuid().primaryKey(),
		orderId: uuid()
			.notNull()
			.references(() => orders.id, { onDelete: "cascade" }),
		/** Null once the variant or product is deleted; the snapshot below stays. */
		variantId: uuid().references(() => variants.id, { onDelete: "set null" }),
		productId: uuid().references(() => products.id, { onDelete: "set null" }),
		sku: text().notNull(),
		productName: text().notNull(),
		productSlug: text().notNull(),
		/** Option name → value, e.g. {"Size":"M"}. */
		options: jsonb().$type<Record<string, string>>().notNull().default({}),
		/** R2 key of the line's image at checkout (variant image, else the product's first). */
		imageKey: text(),
		/** That image's displayed size at checkout (null when there is no image or it had none). */
		imageWidth: integer(),
		imageHeight: integer(),
		unitPrice: integer().notNull(),
		quantity: integer().notNull(),
		lineTotal: integer().notNull(),
		/** Units restocked after a refund or cancellation (never more than bought). */
		restockedQuantity: integer().notNull().default(0),
		/** Units handed to a carrier (sum of this line's fulfillment_items). */
		shippedQuantity: integer().notNull().default(0),
		position: integer().notNull().default(0),
	},
	(t) => [
		index("order_items_order_idx").on(t.orderId, t.position),
		index("order_items_variant_idx").on(t.variantId),
		check("order_items_quantity_range", sql`${t.quantity} between 1 and 99`),
		check("order_items_unit_price_non_negative", sql`${t.unitPrice} >= 0`),
		check(
			"order_items_line_total",
			sql`${t.lineTotal} = ${t.unitPrice} * ${t.quantity}`,
		),
		check(
			"order_items_restocked_range",
			sql`${t.restockedQuantity} between 0 and ${t.quantity}`,
		),
		check(
			"order_items_shipped_range",
			sql`${t.shippedQuantity} between 0 and ${t.quantity}`,
		),
	],
);

/**
 * The order's timeline: every status change and noteworthy event (payment failed, amount
 * mismatch, notes). `stripe_event_id` makes recording a Stripe event idempotent.
 */
export const orderEvents = pgTable(
	"order_events",
	{
		id: uuid().primaryKey(),
		orderId: uuid()
			.notNull()
			.references(() => orders.id, { onDelete: "cascade" }),
		/** e.g. `status_changed`, `payment_failed`, `payment_amount_mismatch`, `note`. */
		type: text().notNull(),
		fromStatus: orderStatus(),
		toStatus: orderStatus(),
		actor: orderActor().notNull(),
		/** The user behind a customer/admin action; null for stripe/system. */
		actorId: uuid(),
		data: jsonb().$type<Record<string, unknown>>().notNull().default({}),
		/** Internal events (admin notes) are never shown to the customer. */
		internal: boolean().notNull().default(false),
		stripeEventId: text(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index("order_events_order_idx").on(t.orderId, t.createdAt, t.id),
		uniqueIndex("order_events_stripe_event_key").on(t.orderId, t.stripeEventId),
		check("order_events_type_format", sql`${t.type} ~ '^[a-z_]{1,64}$'`),
	],
);

/** Refunds of an order's payment, reconciled with Stripe's refund objects by webhook. */
export const refunds = pgTable(
	"refunds",
	{
		id: uuid().primaryKey(),
		orderId: uuid()
			.notNull()
			.references(() => orders.id, { onDelete: "cascade" }),
		/** Null until Stripe has answered the create call. */
		stripeRefundId: text(),
		amount: integer().notNull(),
		currency: text().notNull(),
		reason: text().notNull(),
		/** Stripe's vocabulary: pending, requires_action, succeeded, failed, canceled. */
		status: text().notNull().default("pending"),
		/** The admin or customer who asked for it; null when Stripe reported one we did not start. */
		createdBy: uuid(),
		...timestamps,
	},
	(t) => [
		uniqueIndex("refunds_stripe_refund_key").on(t.stripeRefundId),
		index("refunds_order_idx").on(t.orderId),
		check("refunds_amount_positive", sql`${t.amount} > 0`),
		check("refunds_currency_format", currencyCheck(t.currency)),
		check(
			"refunds_status_known",
			sql`${t.status} in ('pending', 'requires_action', 'succeeded', 'failed', 'canceled')`,
		),
	],
);

/**
 * Stripe webhook events we accepted (the id makes delivery idempotent), and what became of
 * them: processed, or failed after the queue's retries (then kept for the admin to see).
 */
export const stripeEvents = pgTable(
	"stripe_events",
	{
		id: text().primaryKey(),
		type: text().notNull(),
		/** The PaymentIntent / refund / charge the event is about. */
		objectId: text(),
		orderId: uuid(),
		receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		processedAt: timestamp({ withTimezone: true }),
		/** Set by the dead-letter consumer when the queue gave up on the event. */
		failedAt: timestamp({ withTimezone: true }),
		lastError: text(),
	},
	(t) => [
		index("stripe_events_order_idx").on(t.orderId),
		index("stripe_events_failed_idx")
			.on(t.failedAt)
			.where(sql`${t.failedAt} is not null`),
	],
);

/**
 * Idempotency-Key records (IETF httpapi idempotency-key draft): one per caller scope and key,
 * `in_progress` until the request completes, then its response, replayed for 24 h.
 */
export const idempotencyKeys = pgTable(
	"idempotency_keys",
	{
		/** Whose key: `user:<id>`, `guest:<cart token hash>`, … */
		scope: text().notNull(),
		key: text().notNull(),
		/** SHA-256 hex of method, path and body: the same key with another request is refused. */
		requestHash: text().notNull(),
		/** Unique per attempt, so only the request that claimed the key can release it. */
		claimId: uuid().notNull(),
		responseStatus: integer(),
		responseBody: jsonb(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.scope, t.key] }),
		index("idempotency_keys_expires_idx").on(t.expiresAt),
		check(
			"idempotency_keys_key_length",
			sql`char_length(${t.key}) between 1 and 255`,
		),
		check(
			"idempotency_keys_completed_has_response",
			sql`(${t.responseStatus} is null) = (${t.responseBody} is null)`,
		),
	],
);
