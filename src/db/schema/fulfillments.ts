import { sql } from "drizzle-orm";
import {
	check,
	index,
	integer,
	pgTable,
	primaryKey,
	text,
	timestamp,
	uuid,
} from "drizzle-orm/pg-core";
import { orderItems, orders } from "./orders";

/** A shipment of some or all of an order's units, with the carrier's tracking. */
export const fulfillments = pgTable(
	"fulfillments",
	{
		id: uuid().primaryKey(),
		orderId: uuid()
			.notNull()
			.references(() => orders.id, { onDelete: "cascade" }),
		carrier: text().notNull(),
		trackingNumber: text().notNull(),
		trackingUrl: text(),
		/** The admin who recorded it. */
		createdBy: uuid(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
	},
	(t) => [
		index("fulfillments_order_idx").on(t.orderId, t.createdAt),
		check(
			"fulfillments_carrier_length",
			sql`char_length(${t.carrier}) between 1 and 100`,
		),
		check(
			"fulfillments_tracking_number_length",
			sql`char_length(${t.trackingNumber}) between 1 and 200`,
		),
	],
);

/** The units of each order line a fulfillment shipped. */
export const fulfillmentItems = pgTable(
	"fulfillment_items",
	{
		fulfillmentId: uuid()
			.notNull()
			.references(() => fulfillments.id, { onDelete: "cascade" }),
		orderItemId: uuid()
			.notNull()
			.references(() => orderItems.id, { onDelete: "cascade" }),
		quantity: integer().notNull(),
	},
	(t) => [
		primaryKey({ columns: [t.fulfillmentId, t.orderItemId] }),
		index("fulfillment_items_order_item_idx").on(t.orderItemId),
		check("fulfillment_items_quantity_positive", sql`${t.quantity} > 0`),
	],
);
