import { z } from "@hono/zod-openapi";
import { MAX_INT4, safeText, uintParam } from "../../lib/validation";
import { slugSchema } from "./catalog.schemas";

/** Integer minor units (cents); negative or fractional amounts are a 400. */
export const moneySchema = z
	.number()
	.int("must be an integer amount in minor units")
	.min(0, "must not be negative")
	.max(MAX_INT4);

export const idParams = z.object({ id: z.uuid() });

export const categoryCreateSchema = z.strictObject({
	slug: slugSchema,
	name: safeText(200).pipe(z.string().trim().min(1)),
	description: safeText(5000).optional(),
	parentId: z.uuid().nullable().optional(),
	position: z.number().int().min(0).max(MAX_INT4).optional(),
});

export const categoryPatchSchema = categoryCreateSchema
	.partial()
	.refine((p) => Object.keys(p).length > 0, "nothing to update");

export const categoryDeleteQuery = z.object({
	moveProductsTo: z.uuid().optional().openapi({
		description:
			"Move the category's products here first (else 409 when it has any)",
	}),
});

const optionName = z
	.string()
	.regex(/^[A-Za-z][A-Za-z0-9 _-]{0,31}$/, "letters, digits, space, _ or -");
const optionValue = safeText(100).pipe(z.string().trim().min(1));

const optionSchema = z.strictObject({
	name: optionName,
	values: z.array(optionValue).min(1).max(100),
});

export const optionParams = z.object({
	id: z.uuid(),
	name: optionName,
});

export const optionRenameSchema = z.strictObject({
	name: optionName.openapi({ description: "The option's new name" }),
});

export const valueOrderSchema = z.strictObject({
	values: z
		.array(optionValue)
		.min(1)
		.max(100)
		.refine((v) => new Set(v).size === v.length, "values must be distinct")
		.openapi({
			description: "Every current value exactly once, in the new order",
		}),
});

export const valueRenameSchema = z.strictObject({
	from: optionValue,
	to: optionValue,
});

const variantOptions = z
	.record(optionName, optionValue)
	.refine((o) => Object.keys(o).length <= 3, "at most 3 options");

const variantFields = {
	sku: z
		.string()
		.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "letters, digits, . _ -"),
	price: moneySchema,
	compareAtPrice: moneySchema.nullable().optional(),
	options: variantOptions.optional(),
	status: z.enum(["active", "archived"]).optional(),
	position: z.number().int().min(0).max(MAX_INT4).optional(),
};

export const variantCreateSchema = z.strictObject({
	...variantFields,
	onHand: z.number().int().min(0).max(1_000_000_000).optional(),
});

export const variantPatchSchema = z
	.strictObject(variantFields)
	.partial()
	.refine((p) => Object.keys(p).length > 0, "nothing to update");

const productFields = {
	slug: slugSchema,
	name: safeText(200).pipe(z.string().trim().min(1)),
	description: safeText(20_000).optional(),
	status: z.enum(["draft", "active", "archived"]).optional(),
	categoryId: z.uuid(),
	tags: z
		.array(safeText(50).pipe(z.string().trim().min(1)))
		.max(50)
		.optional(),
	currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code, e.g. EUR"),
};

export const productCreateSchema = z
	.strictObject({
		...productFields,
		options: z.array(optionSchema).max(3).optional(),
		variants: z.array(variantCreateSchema).min(1).max(100),
	})
	.superRefine((p, ctx) => {
		const names = (p.options ?? []).map((o) => o.name.toLowerCase());
		if (new Set(names).size !== names.length)
			ctx.addIssue({
				code: "custom",
				path: ["options"],
				message: "option names must be unique (case-insensitive)",
			});
	});

export const productPatchSchema = z
	.strictObject(productFields)
	.partial()
	.refine((p) => Object.keys(p).length > 0, "nothing to update");

export const inventorySchema = z
	.strictObject({
		delta: z
			.number()
			.int()
			.min(-1_000_000_000)
			.max(1_000_000_000)
			.refine((d) => d !== 0, "must not be 0")
			.optional(),
		set: z.number().int().min(0).max(1_000_000_000).optional(),
		reason: safeText(200).pipe(z.string().trim().min(1)),
	})
	.refine(
		(b) => (b.delta === undefined) !== (b.set === undefined),
		"give exactly one of delta or set",
	);

export const lowStockQuery = z.object({
	threshold: uintParam(1_000_000).default(5),
	limit: uintParam(500).pipe(z.number().min(1)).default(100),
	cursor: z.string().max(512).optional(),
});

/** Strict: dimensions are read from the bytes, so a client declaring them is told so (400). */
export const imageUploadQuery = z.strictObject({
	alt: safeText(500).optional(),
	variantId: z.uuid().optional(),
});

export const adminImageSchema = z
	.object({
		id: z.uuid(),
		productId: z.uuid(),
		variantId: z.uuid().nullable(),
		key: z.string(),
		url: z.url(),
		alt: z.string(),
		position: z.number().int(),
		width: z.number().int().nullable().openapi({
			description:
				"Displayed width in pixels, read from the bytes at upload (null only for images stored before dimensions were recorded)",
		}),
		height: z.number().int().nullable(),
		contentType: z.string(),
		byteSize: z.number().int(),
	})
	.openapi("AdminImage");

export const imagePatchSchema = z
	.strictObject({
		alt: safeText(500).optional(),
		variantId: z.uuid().nullable().optional(),
	})
	.refine((p) => Object.keys(p).length > 0, "nothing to update");

export const imageOrderSchema = z.strictObject({
	imageIds: z
		.array(z.uuid())
		.max(100)
		.refine((ids) => new Set(ids).size === ids.length, "ids must be unique"),
});

const isoTime = z.iso.datetime();
const amount = z.number().int();

export const adminCategorySchema = z
	.object({
		id: z.uuid(),
		parentId: z.uuid().nullable(),
		slug: z.string(),
		name: z.string(),
		description: z.string(),
		position: amount,
		createdAt: isoTime,
		updatedAt: isoTime,
	})
	.openapi("AdminCategory");

const stockFigures = {
	onHand: amount,
	reserved: amount,
	available: amount,
	availability: z.enum([
		"unavailable",
		"out_of_stock",
		"low_stock",
		"in_stock",
	]),
};

/** A variant as its product's admin view shows it. */
const adminProductVariant = z.object({
	id: z.uuid(),
	sku: z.string(),
	options: z.record(z.string(), z.string()),
	price: amount,
	compareAtPrice: amount.nullable(),
	currency: z.string(),
	status: z.enum(["active", "archived"]),
	...stockFigures,
});

export const adminVariantSchema = adminProductVariant
	.extend({ productId: z.uuid(), position: amount })
	.openapi("AdminVariant");

const crumb = z.object({ id: z.uuid(), slug: z.string(), name: z.string() });

export const adminProductSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		description: z.string(),
		status: z.enum(["draft", "active", "archived"]),
		tags: z.array(z.string()),
		currency: z.string(),
		price: z
			.object({ min: amount, max: amount, currency: z.string() })
			.nullable(),
		category: crumb,
		breadcrumb: z.array(crumb),
		options: z.array(
			z.object({ name: z.string(), values: z.array(z.string()) }),
		),
		variants: z.array(adminProductVariant),
		images: z.array(
			z.object({
				id: z.uuid(),
				key: z.string(),
				url: z.string(),
				alt: z.string(),
				width: amount.nullable(),
				height: amount.nullable(),
				position: amount,
				variantId: z.uuid().nullable(),
				contentType: z.string(),
			}),
		),
		createdAt: isoTime,
		updatedAt: isoTime,
	})
	.openapi("AdminProduct");

export const deletionSchema = z.object({
	id: z.uuid(),
	outcome: z.enum(["deleted", "archived"]).openapi({
		description:
			"`archived` when orders still reference it (kept for their history)",
	}),
});

export const stockChangeSchema = z.object({
	variantId: z.uuid(),
	onHand: amount,
	reserved: amount,
	available: amount,
	delta: amount,
	ledgerId: z.uuid().nullable().openapi({
		description: "The ledger entry; null when nothing changed",
	}),
});

export const lowStockSchema = z.object({
	data: z.array(
		z.object({
			id: z.uuid(),
			sku: z.string(),
			options: z.record(z.string(), z.string()),
			onHand: amount,
			reserved: amount,
			available: amount,
			product: z.object({
				id: z.uuid(),
				slug: z.string(),
				name: z.string(),
				status: z.enum(["draft", "active", "archived"]),
			}),
		}),
	),
	nextCursor: z.string().nullable(),
});
