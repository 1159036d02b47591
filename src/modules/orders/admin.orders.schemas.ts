import { z } from "@hono/zod-openapi";
import { orderActor, orderStatus } from "../../db/schema";
import { safeText, uintParam } from "../../lib/validation";
import { orderSchema } from "./orders.schemas";

const isoTime = z.iso.datetime();
const money = z.number().int().openapi({ description: "Minor units" });
const status = z.enum(orderStatus.enumValues);

/** Text from an operator: trimmed, NUL-free, not empty. */
const text = (max: number) =>
	safeText(max)
		.transform((s) => s.trim())
		.pipe(z.string().min(1));

/** The customer's order view plus what only operators see. */
export const adminOrderSchema = orderSchema
	.extend({
		customer: z
			.object({
				id: z.uuid(),
				email: z.string(),
				name: z.string(),
				role: z.string(),
			})
			.nullable()
			.openapi({ description: "null for a guest order" }),
		lines: z
			.array(
				z.object({
					id: z.uuid(),
					quantity: z.number().int(),
					shippedQuantity: z.number().int(),
					restockedQuantity: z.number().int(),
				}),
			)
			.openapi({ description: "Per line: units shipped and restocked" }),
		fulfillments: z.array(
			z.object({
				id: z.uuid(),
				carrier: z.string(),
				trackingNumber: z.string(),
				trackingUrl: z.string().nullable(),
				createdBy: z.uuid().nullable(),
				createdAt: isoTime,
				items: z.array(
					z.object({ orderItemId: z.uuid(), quantity: z.number().int() }),
				),
			}),
		),
		refunds: z.array(
			z.object({
				id: z.uuid(),
				stripeRefundId: z.string().nullable(),
				amount: money,
				currency: z.string(),
				reason: z.string(),
				status: z.string(),
				createdBy: z.uuid().nullable(),
				createdAt: isoTime,
			}),
		),
		timeline: z
			.array(
				z.object({
					id: z.uuid(),
					type: z.string(),
					fromStatus: status.nullable(),
					toStatus: status.nullable(),
					actor: z.enum(orderActor.enumValues),
					actorId: z.uuid().nullable(),
					data: z.record(z.string(), z.unknown()),
					internal: z.boolean(),
					at: isoTime,
				}),
			)
			.openapi({ description: "Oldest first, internal notes included" }),
		failedStripeEvents: z.array(
			z.object({
				id: z.string(),
				type: z.string(),
				objectId: z.string().nullable(),
				receivedAt: isoTime,
				failedAt: isoTime,
				lastError: z.string().nullable(),
			}),
		),
	})
	.openapi("AdminOrder");

export type AdminOrder = z.infer<typeof adminOrderSchema>;

export const adminOrderSummarySchema = z
	.object({
		id: z.uuid(),
		number: z.string(),
		status,
		email: z.string(),
		currency: z.string(),
		total: money,
		refundedTotal: money,
		customer: z.object({ id: z.uuid(), name: z.string() }).nullable(),
		shipToName: z.string(),
		itemCount: z.number().int(),
		placedAt: isoTime,
	})
	.openapi("AdminOrderSummary");

export type AdminOrderSummary = z.infer<typeof adminOrderSummarySchema>;

export const adminOrderListSchema = z.object({
	data: z.array(adminOrderSummarySchema),
	nextCursor: z.string().nullable(),
});

export type AdminOrderList = z.infer<typeof adminOrderListSchema>;

const statusList = z
	.string()
	.transform((s) => s.split(","))
	.pipe(z.array(status).min(1).max(7))
	.openapi({
		description:
			"One or more statuses, comma separated (e.g. `paid,fulfilled`)",
	});

export const adminOrderListQuery = z
	.strictObject({
		status: statusList.optional(),
		q: text(200)
			.optional()
			.openapi({ description: "Order number, customer email or name" }),
		placedFrom: isoTime.optional(),
		placedTo: isoTime.optional().openapi({ description: "Exclusive" }),
		minTotal: uintParam().optional().openapi({ type: "integer" }),
		maxTotal: uintParam().optional().openapi({ type: "integer" }),
		customerId: z.uuid().optional(),
		sort: z.enum(["newest", "oldest", "total"]).default("newest"),
		limit: uintParam(100)
			.pipe(z.number().min(1))
			.default(20)
			.openapi({ type: "integer", minimum: 1, maximum: 100, default: 20 }),
		cursor: z.string().max(512).optional(),
	})
	.openapi("AdminOrderListQuery");

export const adminNoteSchema = z.strictObject({ body: text(5000) });

export const fulfilSchema = z
	.strictObject({
		carrier: text(100),
		trackingNumber: text(200),
		trackingUrl: z
			.url({ protocol: /^https?$/ })
			.max(2000)
			.optional(),
		items: z
			.array(
				z.strictObject({
					orderItemId: z.uuid(),
					quantity: z.number().int().min(1).max(99),
				}),
			)
			.min(1)
			.max(100)
			.refine(
				(items) =>
					new Set(items.map((i) => i.orderItemId)).size === items.length,
				"each orderItemId at most once",
			)
			.optional()
			.openapi({ description: "Absent: every unit not yet shipped" }),
	})
	.openapi("FulfillmentCreate");

export const refundSchema = z
	.strictObject({
		amount: z
			.number()
			.int()
			.min(1)
			.max(2 ** 31 - 1)
			.optional()
			.openapi({
				description: "Minor units; absent: everything left to refund",
			}),
		reason: text(500),
		restock: z
			.array(
				z.strictObject({
					orderItemId: z.uuid(),
					quantity: z.number().int().min(1).max(99),
				}),
			)
			.max(100)
			.refine(
				(items) =>
					new Set(items.map((i) => i.orderItemId)).size === items.length,
				"each orderItemId at most once",
			)
			.optional(),
	})
	.openapi("RefundCreate");

export type RefundBody = z.infer<typeof refundSchema>;

export const adminCancelSchema = z.strictObject({ reason: text(500) });

export const adminRefundResultSchema = z
	.object({
		refund: z.object({
			id: z.uuid(),
			stripeRefundId: z.string().nullable(),
			amount: money,
			currency: z.string(),
			status: z.string(),
		}),
		order: adminOrderSchema,
	})
	.openapi("AdminRefundResult");
