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
	adminVariantSchema,
	deletionSchema,
	idParams,
	variantCreateSchema,
	variantPatchSchema,
} from "./admin.schemas";
import {
	addVariant,
	removeVariant,
	updateVariant,
} from "./admin.variants.service";

const canWrite = requirePermission("catalog:write");

/** A product's variants: each write keeps the product's option lists and price range in step. */
export const adminVariantRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/products/{id}/variants",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Add a variant (new option values join the product's lists)",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(variantCreateSchema) },
			responses: {
				201: jsonContent(adminVariantSchema, "created"),
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
				await addVariant(
					c.var.services.db,
					{ productId: c.req.valid("param").id, variant: c.req.valid("json") },
					auditActor(c),
				),
				201,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/variants/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Update a variant's price, SKU, options, status or position",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(variantPatchSchema) },
			responses: {
				200: jsonContent(adminVariantSchema, "updated"),
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
				await updateVariant(
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
			path: "/variants/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Remove a variant, or archive it when orders reference it",
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
					outcome: await removeVariant(
						c.var.services.db,
						{ id },
						auditActor(c),
					),
				},
				200,
			);
		},
	);
