import { z } from "@hono/zod-openapi";
import { MAX_LINE_QUANTITY } from "./cart.queries";

export const addItemBody = z.strictObject({
	variantId: z.uuid(),
	quantity: z.number().int().min(1).max(MAX_LINE_QUANTITY),
});

export const setQuantityBody = z.strictObject({
	quantity: z
		.number()
		.int()
		.min(0)
		.max(MAX_LINE_QUANTITY)
		.openapi({ description: "0 removes the line" }),
});

export const itemIdParam = z.object({
	itemId: z.uuid().openapi({ param: { name: "itemId", in: "path" } }),
});

const notice = z
	.discriminatedUnion("code", [
		z.object({
			code: z.literal("price_changed"),
			old: z.number().int(),
			new: z.number().int(),
		}),
		z.object({ code: z.literal("out_of_stock") }),
		z.object({
			code: z.literal("quantity_exceeds_stock"),
			available: z.number().int(),
		}),
		z.object({ code: z.literal("unavailable") }),
	])
	.openapi("CartNotice");

const cartLine = z
	.object({
		id: z.uuid(),
		variantId: z.uuid(),
		sku: z.string(),
		productId: z
			.uuid()
			.openapi({ description: "For linking the line to its product page" }),
		productSlug: z.string(),
		productName: z.string(),
		options: z.record(z.string(), z.string()),
		image: z
			.object({
				url: z.url(),
				alt: z.string(),
				width: z.number().int().nullable(),
				height: z.number().int().nullable(),
			})
			.nullable(),
		unitPrice: z
			.number()
			.int()
			.openapi({ description: "Today's price, minor units" }),
		quantity: z.number().int(),
		lineTotal: z.number().int(),
		notices: z.array(notice),
	})
	.openapi("CartLine");

export const cartSchema = z
	.object({
		id: z.uuid().nullable().openapi({ description: "null: no cart yet" }),
		items: z.array(cartLine),
		subtotal: z.number().int().openapi({
			description:
				"Minor units; lines that are unavailable or out of stock are not counted",
		}),
		itemCount: z.number().int(),
		currency: z.string().nullable(),
		cartToken: z.string().optional().openapi({
			description:
				"Only when this request created a guest cart; also sent as X-Cart-Token and the vs_cart cookie",
		}),
	})
	.openapi("Cart");

export const cartMergeSchema = z
	.object({
		merged: z.boolean(),
		lines: z.number().int(),
		adjusted: z.array(
			z.object({
				variantId: z.uuid(),
				sku: z.string(),
				requested: z.number().int(),
				quantity: z.number().int(),
				reason: z.enum([
					"capped_at_stock",
					"capped_at_max",
					"out_of_stock",
					"unavailable",
					"currency_mismatch",
				]),
			}),
		),
	})
	.openapi("CartMerge", {
		description:
			"Present when a guest cart token (X-Cart-Token or the vs_cart cookie) came with the request: the guest cart's lines were moved into the user's cart (merged: true) or there was nothing to merge (merged: false: unknown or already merged token).",
	});
