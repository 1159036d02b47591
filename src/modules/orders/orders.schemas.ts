import { z } from "@hono/zod-openapi";
import { orderActor, orderStatus } from "../../db/schema";

const isoTime = z.iso.datetime();

export const orderItemSchema = z
	.object({
		id: z.uuid(),
		productId: z.uuid().nullable(),
		productSlug: z.string(),
		variantId: z.uuid().nullable(),
		sku: z.string(),
		name: z.string(),
		options: z.record(z.string(), z.string()),
		image: z.object({ url: z.string() }).nullable(),
		unitPrice: z.number().int(),
		quantity: z.number().int(),
		lineTotal: z.number().int(),
	})
	.openapi("OrderItem");

const addressSnapshot = z.object({
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
		status: z.enum(orderStatus.enumValues),
		email: z.string(),
		currency: z.string(),
		subtotal: z.number().int(),
		shippingTotal: z.number().int(),
		taxTotal: z.number().int(),
		total: z.number().int(),
		refundedTotal: z.number().int(),
		items: z.array(orderItemSchema),
		shippingAddress: addressSnapshot,
		shippingMethod: z.object({
			code: z.string(),
			name: z.string(),
			price: z.number().int(),
		}),
		payment: z.object({
			provider: z.literal("stripe"),
			paymentIntentId: z.string().nullable(),
			status: z.string().nullable(),
		}),
		refunds: z.array(
			z.object({
				id: z.uuid(),
				amount: z.number().int(),
				currency: z.string(),
				reason: z.string(),
				status: z.string(),
				createdAt: isoTime,
			}),
		),
		timeline: z.array(
			z.object({
				type: z.string(),
				fromStatus: z.enum(orderStatus.enumValues).nullable(),
				toStatus: z.enum(orderStatus.enumValues).nullable(),
				actor: z.enum(orderActor.enumValues),
				at: isoTime,
			}),
		),
		paymentDueAt: isoTime,
		placedAt: isoTime,
		paidAt: isoTime.nullable(),
		cancelledAt: isoTime.nullable(),
		cancelReason: z.string().nullable(),
	})
	.openapi("Order");

export type OrderView = z.infer<typeof orderSchema>;
