import { z } from "@hono/zod-openapi";
import { completeList } from "../../lib/openapi";
import { moneySchema } from "../catalog/admin.schemas";

const MAX_INT4 = 2 ** 31 - 1;

/** Rejected, not stripped: a name is shown to customers and snapshotted onto orders as sent. */
const noNul = (s: string) => !s.includes("\u0000");

const codeSchema = z
	.string()
	.min(1)
	.max(64)
	.regex(
		/^[a-z0-9]+(-[a-z0-9]+)*$/,
		"lower-case letters, digits and single hyphens",
	)
	.openapi({ example: "standard" });

const nameSchema = z
	.string()
	.refine(noNul, "must not contain NUL characters")
	.pipe(z.string().trim().min(1).max(200));

const currencySchema = z
	.string()
	.regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR");

export const shippingCodeParams = z.object({
	code: codeSchema.openapi({ param: { name: "code", in: "path" } }),
});

/** What a storefront shows at checkout; `code` is what POST /v1/orders takes as shippingMethod. */
export const shippingMethodSchema = z
	.object({
		code: z.string(),
		name: z.string(),
		price: z.number().int().openapi({ description: "Minor units" }),
		currency: z.string(),
		freeOver: z.number().int().nullable().openapi({
			description:
				"Free when the order subtotal (minor units) is at least this; null: never free",
		}),
	})
	.openapi("ShippingMethod");

/** Every active method, complete (`nextCursor` always null). */
export const shippingMethodListSchema = completeList(shippingMethodSchema);

export const adminShippingMethodSchema = shippingMethodSchema
	.extend({
		id: z.uuid(),
		active: z.boolean(),
		position: z.number().int(),
		createdAt: z.iso.datetime(),
		updatedAt: z.iso.datetime(),
	})
	.openapi("AdminShippingMethod");

/** Every method, inactive ones included, complete (`nextCursor` always null). */
export const adminShippingMethodListSchema = completeList(
	adminShippingMethodSchema,
);

const writableFields = {
	name: nameSchema,
	price: moneySchema,
	currency: currencySchema,
	freeOver: moneySchema.nullable(),
	active: z.boolean(),
	position: z.number().int().min(0).max(MAX_INT4),
};

export const shippingMethodCreateSchema = z.strictObject({
	code: codeSchema,
	...writableFields,
	freeOver: writableFields.freeOver.optional(),
	active: writableFields.active.optional(),
	position: writableFields.position.optional(),
});

export const shippingMethodPatchSchema = z
	.strictObject(writableFields)
	.partial()
	.refine((p) => Object.keys(p).length > 0, "nothing to update");
