import { createRoute, z } from "@hono/zod-openapi";
import { cachedJson, errorResponses } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import {
	categoryDetailSchema,
	categoryTreeSchema,
	listQuerySchema,
	optionFilters,
	productDetailSchema,
	productListSchema,
	slugSchema,
	suggestQuerySchema,
	suggestSchema,
} from "./catalog.schemas";
import {
	getCategory,
	getCategoryTree,
	getPublicProduct,
	listProducts,
	suggest,
} from "./catalog.service";
import { edgeCache } from "./edge-cache";
import { imageRoutes } from "./images.routes";

const cached = `Served from the edge cache for up to 60 s (ETag, 304 on If-None-Match).`;

/** Public catalog reads: no auth, edge-cached, at most one database round trip on a miss; images. */
export const catalogRoutes = createRouter()
	.openapi(
		createRoute({
			method: "get",
			path: "/categories",
			tags: ["catalog"],
			summary: "The whole category tree, ordered",
			description: cached,
			middleware: edgeCache(),
			responses: { ...cachedJson(categoryTreeSchema, "category tree") },
		}),
		async (c) =>
			c.json(
				{ data: await getCategoryTree(c.var.services.db), nextCursor: null },
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/categories/{slug}",
			tags: ["catalog"],
			summary: "A category with its breadcrumb and children",
			description: cached,
			middleware: edgeCache(),
			request: { params: z.object({ slug: slugSchema }) },
			responses: {
				...cachedJson(categoryDetailSchema, "category"),
				...errorResponses("VALIDATION_FAILED", "NOT_FOUND"),
			},
		}),
		async (c) =>
			c.json(await getCategory(c.var.services.db, c.req.valid("param")), 200),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/products",
			tags: ["catalog"],
			summary: "Active products: search, filters, sorts, keyset pagination",
			description: `${cached} Option filters are \`option.<name>=<value>\`, e.g. \`option.color=red\` (repeat for any-of; names and values are case-insensitive). Any other unknown parameter (\`utm_source\`, \`fbclid\`, \`page\`, …) is ignored.`,
			middleware: edgeCache(),
			request: { query: listQuerySchema },
			responses: {
				...cachedJson(productListSchema, "a page of product cards"),
				...errorResponses("VALIDATION_FAILED", "INVALID_CURSOR", "NOT_FOUND"),
			},
		}),
		async (c) => {
			const query = c.req.valid("query");
			const page = await listProducts(c.var.services.db, {
				q: query.q?.trim() || undefined,
				category: query.category,
				minPrice: query.minPrice,
				maxPrice: query.maxPrice,
				inStock: query.inStock,
				sort: query.sort,
				limit: query.limit,
				cursor: query.cursor,
				facets: query.facets,
				options: optionFilters(query),
			});
			return c.json(page, 200);
		},
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/search/suggest",
			tags: ["catalog"],
			summary:
				"Up to 8 category and product names for a search box (the last word as a prefix)",
			description: cached,
			middleware: edgeCache(),
			request: { query: suggestQuerySchema },
			responses: {
				...cachedJson(suggestSchema, "suggestions"),
				...errorResponses("VALIDATION_FAILED"),
			},
		}),
		async (c) =>
			c.json(
				{ data: await suggest(c.var.services.db, c.req.valid("query")) },
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/products/{idOrSlug}",
			tags: ["catalog"],
			summary:
				"An active product with options, variants, images and breadcrumb",
			description: `${cached} Availability is advisory; carts re-check live stock.`,
			middleware: edgeCache(),
			request: {
				params: z.object({ idOrSlug: z.string().min(1).max(120) }),
			},
			responses: {
				...cachedJson(productDetailSchema, "product"),
				...errorResponses("VALIDATION_FAILED", "NOT_FOUND"),
			},
		}),
		async (c) =>
			c.json(
				await getPublicProduct(c.var.services.db, c.req.valid("param")),
				200,
			),
	)
	.route("/", imageRoutes);
