import { z } from "@hono/zod-openapi";
import { completeList } from "../../lib/openapi";
import { safeText, uintParam } from "../../lib/validation";
import { SORTS } from "./cursor";

export const slugSchema = z
	.string()
	.min(1)
	.max(120)
	.regex(
		/^[a-z0-9]+(-[a-z0-9]+)*$/,
		"lower-case letters, digits and single hyphens",
	);

/**
 * Option filters are explicit: `option.color=red`, repeated for any-of
 * (`option.color=red&option.color=blue`). Any other unknown parameter (`utm_source`, `fbclid`,
 * `page`, …) is ignored, so tracking links never empty a listing.
 */
const OPTION_PREFIX = "option.";
const OPTION_NAME = /^[a-z][a-z0-9_-]{0,31}$/i;
const MAX_OPTION_FILTERS = 8;
const optionValues = z.union([safeText(100), z.array(safeText(100)).max(20)]);

/** Search words: any input is safe except NUL, which no text column can hold. */
const searchText = z
	.string()
	.max(4096)
	.refine((q) => !q.includes("\u0000"), "must not contain NUL");

export const suggestQuerySchema = z.object({
	q: searchText.openapi({ description: "What the shopper has typed so far" }),
});

const suggestion = z.object({
	id: z.uuid(),
	slug: z.string(),
	name: z.string(),
});
export const suggestSchema = z
	.object({
		data: z.object({
			categories: z.array(suggestion),
			products: z.array(suggestion),
		}),
	})
	.openapi("Suggestions");

export const listQuerySchema = z
	.object({
		q: searchText.optional().openapi({
			description:
				"Search words (name, category, tags, option values, description): accents and case ignored, the last word also as a prefix, typos corrected when a word matches nothing. Any input is safe.",
		}),
		category: slugSchema
			.optional()
			.openapi({ description: "Category slug; includes its descendants" }),
		minPrice: uintParam().optional(),
		maxPrice: uintParam().optional(),
		inStock: z
			.enum(["true", "false"])
			.transform((v) => v === "true")
			.optional()
			.openapi({
				description:
					"`true`: only products with a variant in stock; `false`: only products with none",
			}),
		sort: z.enum(SORTS).optional().openapi({
			description: "Default: relevance with `q`, otherwise newest",
		}),
		limit: uintParam(100)
			.pipe(z.number().min(1))
			.default(24)
			.openapi({ type: "integer", minimum: 1, maximum: 100, default: 24 }),
		cursor: z.string().max(2048).optional(),
		facets: z
			.enum(["true", "false"])
			.transform((v) => v === "true")
			.optional()
			.openapi({
				description:
					"`true` adds `total` and facet counts over everything the filters match",
			}),
	})
	// Unknown parameters are accepted here and checked below only when they are option filters.
	.catchall(z.unknown())
	.superRefine((query, ctx) => {
		if (
			query.minPrice !== undefined &&
			query.maxPrice !== undefined &&
			query.minPrice > query.maxPrice
		)
			ctx.addIssue({
				code: "custom",
				path: ["minPrice"],
				message: "minPrice must not exceed maxPrice",
			});
		const filters = Object.keys(query).filter(isOptionFilter);
		if (filters.length > MAX_OPTION_FILTERS)
			ctx.addIssue({
				code: "custom",
				path: [],
				message: `at most ${MAX_OPTION_FILTERS} option filters`,
			});
		for (const key of filters) {
			if (!OPTION_NAME.test(key.slice(OPTION_PREFIX.length)))
				ctx.addIssue({
					code: "custom",
					path: [key],
					message:
						"option filters look like option.color=red (a name of letters, digits, _ and -)",
				});
			for (const issue of optionValues.safeParse(query[key]).error?.issues ??
				[])
				ctx.addIssue({
					code: "custom",
					path: [key, ...issue.path],
					message: issue.message,
				});
		}
	});

function isOptionFilter(key: string): boolean {
	return key.toLowerCase().startsWith(OPTION_PREFIX);
}

const KNOWN_PARAMS = {
	q: 1,
	category: 1,
	minPrice: 1,
	maxPrice: 1,
	inStock: 1,
	sort: 1,
	limit: 1,
	cursor: 1,
	facets: 1,
} as const;

/**
 * The option filters among the (validated) query parameters, `option.` dropped, names and values
 * lower-cased; every other unknown parameter is ignored.
 */
export function optionFilters(
	query: Record<string, unknown>,
): Record<string, string[]> {
	const filters: Record<string, string[]> = {};
	for (const [key, value] of Object.entries(query)) {
		if (key in KNOWN_PARAMS || !isOptionFilter(key)) continue;
		const name = key.slice(OPTION_PREFIX.length).toLowerCase();
		const values = (Array.isArray(value) ? value : [value]).map((v) =>
			String(v).toLowerCase(),
		);
		filters[name] = [...(filters[name] ?? []), ...values];
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
const productCardSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		price: priceRange,
		inStock: z.boolean(),
		compareAtPrice: priceRange.nullable().openapi({
			description:
				"Range of the compare-at (was) prices of the variants on sale; null when none is",
		}),
		onSale: z.boolean(),
		image: cardImage.nullable(),
	})
	.openapi("ProductCard");

const count = z.number().int();
const facetsSchema = z
	.object({
		categories: z.array(
			z.object({ id: z.uuid(), slug: z.string(), name: z.string(), count }),
		),
		options: z.array(
			z.object({
				name: z.string(),
				values: z.array(z.object({ value: z.string(), count })),
			}),
		),
		price: z
			.array(z.object({ min: count, max: count.nullable(), count }))
			.openapi({
				description:
					"Products per bucket of their lowest price, minor units, [min, max)",
			}),
		availability: z.object({ inStock: count, outOfStock: count }),
	})
	.openapi("Facets", {
		description:
			"Counts of products over everything the filters match (not just this page). Categories: each product's own category. Options: names and values lower-cased, as the filters take them; a product counts once per value one of its sellable variants has.",
	});

export const productListSchema = z.object({
	data: z.array(productCardSchema),
	nextCursor: z.string().nullable(),
	total: count.optional().openapi({ description: "With `facets=true`" }),
	facets: facetsSchema.optional(),
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
		createdAt: z.iso.datetime(),
		updatedAt: z.iso.datetime(),
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

const categoryNodeSchema: z.ZodType<CategoryTreeNode> = z
	.object({
		...categoryFields,
		get children() {
			return z.array(categoryNodeSchema);
		},
	})
	.openapi("CategoryNode");

/** The whole tree, complete (`nextCursor` always null). */
export const categoryTreeSchema = completeList(categoryNodeSchema);

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
	.regex(/^[0-9a-f]{64}\.(jpg|png|webp|avif|gif)$/, "not an image key");
