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
	createProduct,
	deleteProduct,
	getAdminProduct,
	updateProduct,
} from "./admin.products.service";
import {
	adminProductSchema,
	deletionSchema,
	idParams,
	productCreateSchema,
	productPatchSchema,
} from "./admin.schemas";

const canWrite = requirePermission("catalog:write");

/** Products in any status, with their options and variants. Each write is one db.batch (one transaction). */
export const adminProductRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/products",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Create a product with options and variants (atomic)",
			middleware: canWrite,
			request: { body: jsonBody(productCreateSchema) },
			responses: {
				201: jsonContent(adminProductSchema, "created"),
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
				await createProduct(
					c.var.services.db,
					{ product: c.req.valid("json") },
					auditActor(c),
				),
				201,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/products/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "A product in any status, with stock figures",
			middleware: canWrite,
			request: { params: idParams },
			responses: {
				200: jsonContent(adminProductSchema, "the product"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
				),
			},
		}),
		async (c) =>
			c.json(
				await getAdminProduct(c.var.services.db, c.req.valid("param")),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/products/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Update product fields (status, category, slug, …)",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(productPatchSchema) },
			responses: {
				200: jsonContent(adminProductSchema, "updated"),
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
				await updateProduct(
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
			path: "/products/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Delete a product, or archive it when orders reference it",
			middleware: canWrite,
			request: { params: idParams },
			responses: {
				200: jsonContent(deletionSchema, "deleted, or archived"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
				),
			},
		}),
		async (c) => {
			const { id } = c.req.valid("param");
			return c.json(
				{
					id,
					outcome: await deleteProduct(
						c.var.services.db,
						{ id },
						auditActor(c),
					),
				},
				200,
			);
		},
	);
