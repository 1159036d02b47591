import { z } from "@hono/zod-openapi";
import { SORTS } from "./cursor";

const MAX_INT4 = 2 ** 31 - 1;

/** A non-negative integer given as a query string (no signs, decimals or exponents). */
export const uintParam = (max = MAX_INT4) =>
	z
		.string()
		.regex(/^\d{1,10}$/, "must be a non-negative integer")
		.transform(Number)
		.pipe(z.number().int().min(0).max(max));

/** Text that Postgres can store: NUL characters are dropped (text columns reject them). */
export const safeText = (max: number) =>
	z
		.string()
		.max(max)
		.transform((s) => s.replaceAll("\u0000", ""));

export const slugSchema = z
	.string()
	.min(1)
	.max(120)
	.regex(
		/^[a-z0-9]+(-[a-z0-9]+)*$/,
		"lower-case letters, digits and single hyphens",
	);

/** Option filter keys: `color=red`, repeated for any-of (`color=red&color=blue`). */
const OPTION_KEY = /^[a-z][a-z0-9_-]{0,31}$/i;
const MAX_OPTION_FILTERS = 8;

export const listQuerySchema = z
	.object({
		q: safeText(4096)
			.optional()
			.openapi({ description: "Full-text search; any input is safe" }),
		category: slugSchema
			.optional()
			.openapi({ description: "Category slug; includes its descendants" }),
		minPrice: uintParam().optional(),
		maxPrice: uintParam().optional(),
		inStock: z
			.enum(["true", "false"])
			.transform((v) => v === "true")
			.optional(),
		sort: z.enum(SORTS).optional().openapi({
			description: "Default: relevance with `q`, otherwise newest",
		}),
		limit: uintParam(100)
			.pipe(z.number().min(1))
			.default(24)
			.openapi({ type: "integer", minimum: 1, maximum: 100, default: 24 }),
		cursor: z.string().max(2048).optional(),
	})
	.catchall(z.union([safeText(100), z.array(safeText(100)).max(20)]))
	.superRefine((query, ctx) => {
		const extra = Object.keys(query).filter((k) => !(k in KNOWN_PARAMS));
		if (extra.length > MAX_OPTION_FILTERS)
			ctx.addIssue({
				code: "custom",
				path: [],
				message: `at most ${MAX_OPTION_FILTERS} option filters`,
			});
		for (const key of extra)
			if (!OPTION_KEY.test(key))
				ctx.addIssue({
					code: "custom",
					path: [key],
					message: "unknown parameter (option filters look like color=red)",
				});
	});

const KNOWN_PARAMS = {
	q: 1,
	category: 1,
	minPrice: 1,
	maxPrice: 1,
	inStock: 1,
	sort: 1,
	limit: 1,
	cursor: 1,
} as const;

/** The option filters among the query parameters, names and values lower-cased. */
export function optionFilters(
	query: Record<string, unknown>,
): Record<string, string[]> {
	const filters: Record<string, string[]> = {};
	for (const [key, value] of Object.entries(query)) {
		if (key in KNOWN_PARAMS) continue;
		const values = (Array.isArray(value) ? value : [value]).map((v) =>
			String(v).toLowerCase(),
		);
		filters[key.toLowerCase()] = [
			...(filters[key.toLowerCase()] ?? []),
			...values,
		];
	}
	return filters;
}

const priceRange = z.object({
	min: z.number().int(),
	max: z.number().int(),
	currency: z.string(),
});
const cardImage = z.object({
	key: z.string(),
	url: z.string(),
	alt: z.string(),
	width: z.number().int().nullable(),
	height: z.number().int().nullable(),
});
export const productCardSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		price: priceRange,
		inStock: z.boolean(),
		image: cardImage.nullable(),
	})
	.openapi("ProductCard");

export const productListSchema = z.object({
	data: z.array(productCardSchema),
	nextCursor: z.string().nullable(),
});

const crumb = z.object({ id: z.uuid(), slug: z.string(), name: z.string() });

export const productDetailSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		description: z.string(),
		tags: z.array(z.string()),
		price: priceRange.nullable(),
		category: crumb,
		breadcrumb: z.array(crumb),
		options: z.array(
			z.object({ name: z.string(), values: z.array(z.string()) }),
		),
		variants: z.array(
			z.object({
				id: z.uuid(),
				sku: z.string(),
				options: z.record(z.string(), z.string()),
				price: z.number().int(),
				compareAtPrice: z.number().int().nullable(),
				currency: z.string(),
				availability: z
					.enum(["unavailable", "out_of_stock", "low_stock", "in_stock"])
					.openapi({
						description:
							"Advisory (cached); carts re-check live stock. This page lists only sellable variants, so never `unavailable` here.",
					}),
				available: z.number().int(),
			}),
		),
		images: z.array(
			cardImage.extend({ id: z.uuid(), variantId: z.uuid().nullable() }),
		),
		createdAt: z.string(),
		updatedAt: z.string(),
	})
	.openapi("ProductDetail");

const categoryFields = {
	id: z.uuid(),
	slug: z.string(),
	name: z.string(),
	description: z.string(),
	position: z.number().int(),
};

export interface CategoryTreeNode {
	id: string;
	slug: string;
	name: string;
	description: string;
	position: number;
	children: CategoryTreeNode[];
}

export const categoryNodeSchema: z.ZodType<CategoryTreeNode> = z
	.object({
		...categoryFields,
		get children() {
			return z.array(categoryNodeSchema);
		},
	})
	.openapi("CategoryNode");

export const categoryTreeSchema = z.object({
	data: z.array(categoryNodeSchema),
});

export const categoryDetailSchema = z.object({
	...categoryFields,
	breadcrumb: z.array(crumb),
	children: z.array(
		z.object({
			id: z.uuid(),
			slug: z.string(),
			name: z.string(),
			position: z.number().int(),
		}),
	),
});

export const imageKeySchema = z
	.string()
	.regex(/^[0-9a-f]{64}\.(jpg|png|webp|avif)$/, "not an image key");
