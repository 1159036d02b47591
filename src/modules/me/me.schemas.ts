import { z } from "@hono/zod-openapi";
import { isCountryCode } from "../../lib/countries";
import { uintParam } from "../../lib/validation";
import { nameField, userSchema } from "../auth/auth.schemas";
import { orderSummarySchema } from "../orders/orders.schemas";

export const meSchema = userSchema
	.extend({
		recentOrders: z.array(orderSummarySchema).openapi({
			description: "The last 5 orders, newest first (as in GET /v1/orders)",
		}),
	})
	.openapi("Me");

export const updateMeBody = z.strictObject({ name: nameField });

const optionalText = (max: number) =>
	z.string().trim().max(max).nullable().optional();

const addressFields = {
	name: z.string().trim().min(1).max(200),
	line1: z.string().trim().min(1).max(200),
	line2: optionalText(200),
	city: z.string().trim().min(1).max(100),
	region: optionalText(100),
	postalCode: z.string().trim().min(1).max(20),
	// Checked as two ASCII letters before upper-casing (which would turn "ß" into "SS"), then
	// against the assigned codes.
	country: z
		.string()
		.trim()
		.regex(/^[A-Za-z]{2}$/, "must be an ISO 3166-1 alpha-2 code")
		.toUpperCase()
		.refine(isCountryCode, "must be an assigned ISO 3166-1 alpha-2 code")
		.openapi({ example: "DE" }),
	phone: optionalText(32),
};

export const createAddressBody = z.strictObject(addressFields);

export const updateAddressBody = z
	.strictObject(z.object(addressFields).partial().shape)
	.refine((b) => Object.keys(b).length > 0, "at least one field is required");

export const addressSchema = z
	.object({
		id: z.uuid(),
		name: z.string(),
		line1: z.string(),
		line2: z.string().nullable(),
		city: z.string(),
		region: z.string().nullable(),
		postalCode: z.string(),
		country: z.string(),
		phone: z.string().nullable(),
		createdAt: z.iso.datetime(),
		updatedAt: z.iso.datetime(),
	})
	.openapi("Address");

export const addressIdParam = z.object({
	id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const addressListSchema = z.object({
	data: z.array(addressSchema),
	nextCursor: z.string().nullable(),
});

export const addressListQuery = z.object({
	limit: uintParam(50)
		.pipe(z.number().min(1))
		.default(20)
		.openapi({ type: "integer", minimum: 1, maximum: 50, default: 20 }),
	cursor: z.string().max(512).optional(),
});
