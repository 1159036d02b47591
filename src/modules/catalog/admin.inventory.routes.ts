import { createRoute } from "@hono/zod-openapi";
import {
	bearerAuth,
	errorResponses,
	jsonBody,
	jsonContent,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import { auditActor } from "../admin/audit-actor";
import { adjustInventory, lowStock } from "./admin.inventory.service";
import {
	idParams,
	inventorySchema,
	lowStockQuery,
	lowStockSchema,
	stockChangeSchema,
} from "./admin.schemas";

/** Stock adjustments (each with its ledger row) and the low-stock report. */
export const adminInventoryRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/variants/{id}/inventory",
			tags: ["admin: inventory"],
			security: bearerAuth,
			summary: "Adjust on_hand by delta or set it; writes a ledger row",
			description:
				"409 INSUFFICIENT_STOCK when on_hand would fall below 0 or below what is reserved.",
			middleware: requirePermission("inventory:write"),
			request: { params: idParams, body: jsonBody(inventorySchema) },
			responses: {
				200: jsonContent(stockChangeSchema, "new stock figures"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"INSUFFICIENT_STOCK",
				),
			},
		}),
		async (c) =>
			c.json(
				await adjustInventory(
					c.var.services.db,
					{ variantId: c.req.valid("param").id, change: c.req.valid("json") },
					auditActor(c),
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/inventory/low-stock",
			tags: ["admin: inventory"],
			security: bearerAuth,
			summary: "Active variants with available stock at or below threshold",
			description:
				"Fewest available first (then SKU), in keyset pages `{data, nextCursor}`; 400 INVALID_CURSOR for a tampered cursor. One round trip.",
			middleware: requirePermission("inventory:write"),
			request: { query: lowStockQuery },
			responses: {
				200: jsonContent(lowStockSchema, "variants running low"),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_CURSOR",
					"UNAUTHENTICATED",
					"FORBIDDEN",
				),
			},
		}),
		async (c) =>
			c.json(await lowStock(c.var.services.db, c.req.valid("query")), 200),
	);
