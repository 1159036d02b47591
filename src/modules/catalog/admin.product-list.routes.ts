import { createRoute, z } from "@hono/zod-openapi";
import {
	decodeKeyset,
	keysetPage,
	timeIdKeyset,
} from "../../lib/keyset-cursor";
import {
	errorResponses,
	jsonContent,
	bearerAuth as security,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { safeText, uintParam } from "../../lib/validation";
import { requirePermission } from "../../middleware/auth";
import type { Services } from "../../services";
import {
	type AdminProductFilters,
	adminProductListSql,
	LOW_STOCK,
} from "./admin.product-list.queries";

const rowSchema = z
	.object({
		id: z.uuid(),
		slug: z.string(),
		name: z.string(),
		status: z.enum(["draft", "active", "archived"]),
		category: z.object({ id: z.uuid(), slug: z.string() }).nullable(),
		currency: z.string(),
		priceMin: z.number().int().nullable(),
		priceMax: z.number().int().nullable(),
		variantCount: z.number().int(),
		activeVariantCount: z.number().int(),
		onHand: z.number().int(),
		reserved: z.number().int(),
		available: z.number().int(),
		lowStock: z.boolean(),
		createdAt: z.iso.datetime(),
	})
	.openapi("AdminProductRow");

const listSchema = z.object({
	data: z.array(rowSchema),
	nextCursor: z.string().nullable(),
});

const query = z.strictObject({
	status: z.enum(["draft", "active", "archived"]).optional(),
	category: z
		.string()
		.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
		.max(120)
		.optional(),
	q: safeText(200)
		.transform((s) => s.trim())
		.pipe(z.string().min(1))
		.optional(),
	lowStock: z.enum(["true", "false"]).optional(),
	limit: uintParam(100)
		.pipe(z.number().min(1))
		.default(24)
		.openapi({ type: "integer", minimum: 1, maximum: 100, default: 24 }),
	cursor: z.string().max(512).optional(),
});

/** A page of every product (one round trip). */
async function listAdminProducts(
	{ db }: Services,
	p: AdminProductFilters & { limit: number; cursor?: string },
) {
	const after = p.cursor ? decodeKeyset(p.cursor, timeIdKeyset) : undefined;
	const res = await db.execute<{
		product: { id: string };
		sort_key: string;
	}>(adminProductListSql(p, p.limit + 1, after));
	const page = keysetPage(res.rows, p.limit, (last) => ({
		t: Number(last.sort_key),
		id: last.product.id,
	}));
	return { data: page.rows.map((r) => r.product), nextCursor: page.nextCursor };
}

/** GET /v1/admin/products: every product, drafts and archived included. */
export const adminProductListRoutes = createRouter().openapi(
	createRoute({
		method: "get",
		path: "/",
		tags: ["admin: catalog"],
		security,
		summary: "Every product, newest first, with variant counts and stock",
		description: `Filters: \`status\`, \`category\` (slug), \`q\` (name, slug or SKU), \`lowStock\` (an active variant with ${LOW_STOCK} or fewer sellable units). One round trip.`,
		middleware: requirePermission("catalog:write"),
		request: { query },
		responses: {
			200: jsonContent(listSchema, "a page of products"),
			...errorResponses(
				"VALIDATION_FAILED",
				"INVALID_CURSOR",
				"UNAUTHENTICATED",
				"FORBIDDEN",
			),
		},
	}),
	async (c) => {
		const q = c.req.valid("query");
		const page = await listAdminProducts(c.var.services, {
			...q,
			lowStock: q.lowStock === undefined ? undefined : q.lowStock === "true",
		});
		return c.json(page as never, 200);
	},
);
