import { z } from "@hono/zod-openapi";
import { createAddressBody } from "../me/me.schemas";
import { orderSchema } from "./orders.schemas";

/**
 * What a checkout sends: where to ship and how. Strict: prices, totals or anything else a
 * client might try to set are rejected as unknown fields (the database prices every order).
 */
export const checkoutBody = z
	.strictObject({
		shippingAddressId: z.uuid().optional().openapi({
			description: "A saved address of the signed-in customer",
		}),
		shippingAddress: createAddressBody.optional(),
		shippingMethod: z
			.string()
			.trim()
			.min(1)
			.max(64)
			.openapi({ example: "standard" }),
		email: z.email().max(254).optional().openapi({
			description:
				"Contact email: required for a guest; defaults to the account's email",
		}),
	})
	.refine(
		(b) =>
			(b.shippingAddressId === undefined) !== (b.shippingAddress === undefined),
		{
			message: "give exactly one of shippingAddressId or shippingAddress",
			path: ["shippingAddress"],
		},
	)
	.openapi("CheckoutRequest");
export type CheckoutBody = z.infer<typeof checkoutBody>;

export const priceChangeSchema = z.object({
	itemId: z.uuid(),
	variantId: z.uuid(),
	sku: z.string(),
	previousPrice: z.number().int(),
	price: z.number().int(),
});

export const placedOrderSchema = z
	.object({
		order: orderSchema,
		payment: z.object({
			provider: z.literal("stripe"),
			paymentIntentId: z.string(),
			clientSecret: z.string(),
			publishableKey: z.string(),
		}),
		/** Lines whose price changed since the customer put them in the cart (charged at today's). */
		priceChanges: z.array(priceChangeSchema),
		/** A guest's key to this order: send it as X-Order-Token to read or cancel it. */
		orderToken: z.string().optional(),
	})
	.openapi("PlacedOrder");
