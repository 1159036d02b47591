import { z } from "@hono/zod-openapi";
import { orderActor, orderStatus } from "../../db/schema";
import { completeList } from "../../lib/openapi";
import { uintParam } from "../../lib/validation";

/** Every timestamp of an order, as ISO 8601 UTC with milliseconds (`…T12:00:00.000Z`). */
const isoTime = z.iso.datetime();
const money = z.number().int().openapi({ description: "Minor units" });
const status = z.enum(orderStatus.enumValues);

/**
 * A line's image as it was at checkout (URL and size); `alt` only while that image is still in
 * the catalog.
 */
const orderImageSchema = z
	.object({
		url: z.url(),
		alt: z.string().optional(),
		width: z.number().int().nullable(),
		height: z.number().int().nullable(),
	})
	.openapi("OrderImage");

const orderItemSchema = z
	.object({
		id: z.uuid(),
		productId: z
			.uuid()
			.nullable()
			.openapi({ description: "null once the product is deleted" }),
		productSlug: z.string(),
		variantId: z.uuid().nullable(),
		sku: z.string(),
		name: z.string(),
		options: z.record(z.string(), z.string()),
		image: orderImageSchema.nullable(),
		unitPrice: money.openapi({
			description: "What the customer was charged per unit, minor units",
		}),
		quantity: z.number().int(),
		lineTotal: money,
	})
	.openapi("OrderItem");

const addressSnapshotSchema = z.object({
	name: z.string(),
	line1: z.string(),
	line2: z.string().nullable(),
	city: z.string(),
	region: z.string().nullable(),
	postalCode: z.string(),
	country: z.string(),
	phone: z.string().nullable(),
});

/** An order as its customer sees it: lines, totals, where it goes, payment, refunds, timeline. */
export const orderSchema = z
	.object({
		id: z.uuid(),
		number: z.string().openapi({ example: "VS-10042" }),
		status,
		email: z.string(),
		currency: z.string(),
		subtotal: money,
		shippingTotal: money,
		taxTotal: money,
		total: money,
		refundedTotal: money,
		items: z.array(orderItemSchema),
		shippingAddress: addressSnapshotSchema,
		shippingMethod: z.object({
			code: z.string(),
			name: z.string(),
			price: money,
		}),
		payment: z.object({
			provider: z.literal("stripe"),
			paymentIntentId: z.string().nullable(),
			status: z.string().nullable().openapi({
				description: "The PaymentIntent's last status we saw (Stripe's words)",
			}),
		}),
		refunds: z.array(
			z.object({
				id: z.uuid(),
				amount: money,
				currency: z.string(),
				reason: z.string(),
				status: z.enum([
					"pending",
					"requires_action",
					"succeeded",
					"failed",
					"canceled",
				]),
				createdAt: isoTime,
			}),
		),
		timeline: z
			.array(
				z.object({
					type: z.string().openapi({ example: "status_changed" }),
					fromStatus: status.nullable(),
					toStatus: status.nullable(),
					actor: z.enum(orderActor.enumValues),
					at: isoTime,
				}),
			)
			.openapi({ description: "Oldest first; internal notes are not shown" }),
		paymentDueAt: isoTime.openapi({
			description: "Unpaid by then, the order is cancelled",
		}),
		placedAt: isoTime,
		paidAt: isoTime.nullable(),
		cancelledAt: isoTime.nullable(),
		cancelReason: z.string().nullable(),
	})
	.openapi("Order");

export type OrderView = z.infer<typeof orderSchema>;

/** An order's lines, complete (`nextCursor` always null). */
export const orderItemsSchema = completeList(orderItemSchema);

/** One row of the order history (and of /v1/me's recentOrders). */
export const orderSummarySchema = z
	.object({
		id: z.uuid(),
		number: z.string().openapi({ example: "VS-10042" }),
		status,
		currency: z.string(),
		subtotal: money,
		shippingTotal: money,
		taxTotal: money,
		total: money,
		refundedTotal: money,
		itemCount: z
			.number()
			.int()
			.openapi({ description: "Units across all lines" }),
		items: z
			.array(z.object({ name: z.string(), image: orderImageSchema.nullable() }))
			.openapi({ description: "The first 3 lines, in order" }),
		placedAt: isoTime,
	})
	.openapi("OrderSummary");

export type OrderSummary = z.infer<typeof orderSummarySchema>;

export const orderListSchema = z.object({
	data: z.array(orderSummarySchema),
	nextCursor: z.string().nullable(),
});

export const orderListQuery = z.object({
	limit: uintParam(50)
		.pipe(z.number().min(1))
		.default(20)
		.openapi({ type: "integer", minimum: 1, maximum: 50, default: 20 }),
	cursor: z.string().max(512).optional(),
});

/**
 * Any string: an id that is not a UUID names no order, so it is a 404 like someone else's,
 * not a 400 (the answer never depends on what exists).
 */
export const orderIdParams = z.object({
	id: z.string().openapi({ param: { name: "id", in: "path" }, format: "uuid" }),
});

export const orderPaymentSchema = z
	.object({
		paymentIntentId: z.string(),
		clientSecret: z.string().openapi({
			description: "For Stripe.js confirmPayment; never stored by VoidShop",
		}),
		status: z.string().openapi({
			description: "The PaymentIntent's status at Stripe right now",
		}),
	})
	.openapi("OrderPayment");
