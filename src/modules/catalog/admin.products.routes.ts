import { createRoute } from "@hono/zod-openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import {
	createProduct,
	deleteProduct,
	getAdminProduct,
	updateProduct,
} from "./admin.products.service";
import {
	idParams,
	jsonBody,
	ok,
	productCreateSchema,
	productPatchSchema,
	variantCreateSchema,
	variantPatchSchema,
} from "./admin.schemas";
import {
	addVariant,
	removeVariant,
	updateVariant,
} from "./admin.variants.service";

const canWrite = requirePermission("catalog:write");
const errors = {
	400: ok("invalid body"),
	401: ok("no or bad token"),
	403: ok("not an admin"),
	404: ok("unknown id"),
	409: ok("slug or SKU taken (details.field names it)"),
};

/** Products and their variants, any status. Each write is one db.batch (one transaction). */
export const adminProductRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/products",
			tags: ["admin: catalog"],
			summary: "Create a product with options and variants (atomic)",
			middleware: canWrite,
			request: { body: jsonBody(productCreateSchema) },
			responses: { 201: ok("created"), ...errors },
		}),
		async (c) =>
			c.json(
				await createProduct(
					c.var.services.db,
					c.req.valid("json"),
					c.var.user?.id,
				),
				201,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/products/{id}",
			tags: ["admin: catalog"],
			summary: "A product in any status, with stock figures",
			middleware: canWrite,
			request: { params: idParams },
			responses: { 200: ok("product"), ...errors },
		}),
		async (c) =>
			c.json(
				await getAdminProduct(c.var.services.db, c.req.valid("param").id),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/products/{id}",
			tags: ["admin: catalog"],
			summary: "Update product fields (status, category, slug, …)",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(productPatchSchema) },
			responses: { 200: ok("updated"), ...errors },
		}),
		async (c) =>
			c.json(
				await updateProduct(
					c.var.services.db,
					c.req.valid("param").id,
					c.req.valid("json"),
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/products/{id}",
			tags: ["admin: catalog"],
			summary: "Delete a product, or archive it when orders reference it",
			middleware: canWrite,
			request: { params: idParams },
			responses: { 200: ok("{ id, outcome: deleted | archived }"), ...errors },
		}),
		async (c) => {
			const { id } = c.req.valid("param");
			return c.json(
				{ id, outcome: await deleteProduct(c.var.services.db, id) },
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/products/{id}/variants",
			tags: ["admin: catalog"],
			summary: "Add a variant (new option values join the product's lists)",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(variantCreateSchema) },
			responses: { 201: ok("created"), ...errors },
		}),
		async (c) =>
			c.json(
				await addVariant(
					c.var.services.db,
					c.req.valid("param").id,
					c.req.valid("json"),
					c.var.user?.id,
				),
				201,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/variants/{id}",
			tags: ["admin: catalog"],
			summary: "Update a variant's price, SKU, options, status or position",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(variantPatchSchema) },
			responses: { 200: ok("updated"), ...errors },
		}),
		async (c) =>
			c.json(
				await updateVariant(
					c.var.services.db,
					c.req.valid("param").id,
					c.req.valid("json"),
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/variants/{id}",
			tags: ["admin: catalog"],
			summary: "Remove a variant, or archive it when orders reference it",
			middleware: canWrite,
			request: { params: idParams },
			responses: { 200: ok("{ id, outcome: deleted | archived }"), ...errors },
		}),
		async (c) => {
			const { id } = c.req.valid("param");
			return c.json(
				{ id, outcome: await removeVariant(c.var.services.db, id) },
				200,
			);
		},
	);
