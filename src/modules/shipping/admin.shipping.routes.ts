import { createRoute } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requirePermission, requireRole } from "../../middleware/auth";
import { auditActor } from "../admin/audit-actor";
import {
	adminShippingMethodListSchema,
	adminShippingMethodSchema,
	shippingCodeParams,
	shippingMethodCreateSchema,
	shippingMethodPatchSchema,
} from "./shipping.schemas";
import {
	createShippingMethod,
	deleteShippingMethod,
	listAllShippingMethods,
	updateShippingMethod,
} from "./shipping.service";

const tags = ["admin: shipping"];
const security = [{ bearer: [] }];
const canWrite = requirePermission("shipping:write");
const method = jsonContent(adminShippingMethodSchema, "the shipping method");

const router = createRouter();
router.use("*", requireRole("admin"));

/** /v1/admin/shipping-methods: admins only, and each route names its permission. */
export const adminShippingRoutes = router
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security,
			summary: "Every shipping method, inactive ones included",
			middleware: canWrite,
			responses: {
				200: jsonContent(adminShippingMethodListSchema, "shipping methods"),
				...errorResponses("UNAUTHENTICATED", "FORBIDDEN"),
			},
		}),
		async (c) =>
			c.json(
				{
					data: await listAllShippingMethods(c.var.services.db),
					nextCursor: null,
				},
				200,
			),
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/",
			tags,
			security,
			summary: "Create a shipping method (codes are unique)",
			middleware: canWrite,
			request: { body: jsonBody(shippingMethodCreateSchema) },
			responses: {
				201: method,
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"CONFLICT",
				),
			},
		}),
		async (c) =>
			c.json(
				await createShippingMethod(
					c.var.services.db,
					c.req.valid("json"),
					auditActor(c),
				),
				201,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/{code}",
			tags,
			security,
			summary: "Update a shipping method (its code is permanent)",
			description:
				"Past orders keep the method as it was when they were placed.",
			middleware: canWrite,
			request: {
				params: shippingCodeParams,
				body: jsonBody(shippingMethodPatchSchema),
			},
			responses: {
				200: method,
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
				await updateShippingMethod(
					c.var.services.db,
					c.req.valid("param").code,
					c.req.valid("json"),
					auditActor(c),
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/{code}",
			tags,
			security,
			summary: "Delete a shipping method (past orders keep their snapshot)",
			middleware: canWrite,
			request: { params: shippingCodeParams },
			responses: {
				204: { description: "deleted" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
				),
			},
		}),
		async (c) => {
			await deleteShippingMethod(
				c.var.services.db,
				c.req.valid("param").code,
				auditActor(c),
			);
			return c.body(null, 204);
		},
	);
