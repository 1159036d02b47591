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
import {
	createCategory,
	deleteCategory,
	updateCategory,
} from "./admin.categories.service";
import {
	adminCategorySchema,
	categoryCreateSchema,
	categoryDeleteQuery,
	categoryPatchSchema,
	idParams,
} from "./admin.schemas";

const canWrite = requirePermission("catalog:write");

export const adminCategoryRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/categories",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Create a category (root, or under parentId)",
			middleware: canWrite,
			request: { body: jsonBody(categoryCreateSchema) },
			responses: {
				201: jsonContent(adminCategorySchema, "created"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"CONFLICT",
				),
			},
		}),
		async (c) =>
			c.json(
				await createCategory(
					c.var.services.db,
					{ category: c.req.valid("json") },
					auditActor(c),
				),
				201,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/categories/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Update or move a category (never under its own subtree)",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(categoryPatchSchema) },
			responses: {
				200: jsonContent(adminCategorySchema, "updated"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"CONFLICT",
				),
			},
		}),
		async (c) =>
			c.json(
				await updateCategory(
					c.var.services.db,
					{ id: c.req.valid("param").id, changes: c.req.valid("json") },
					auditActor(c),
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/categories/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary:
				"Delete a category; 409 while it has products (unless moveProductsTo) or children",
			middleware: canWrite,
			request: { params: idParams, query: categoryDeleteQuery },
			responses: {
				204: { description: "deleted" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"CONFLICT",
				),
			},
		}),
		async (c) => {
			await deleteCategory(
				c.var.services.db,
				{
					id: c.req.valid("param").id,
					moveProductsTo: c.req.valid("query").moveProductsTo,
				},
				auditActor(c),
			);
			return c.body(null, 204);
		},
	);
