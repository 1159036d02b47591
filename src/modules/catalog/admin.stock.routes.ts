import { createRoute, z } from "@hono/zod-openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import { limitBody } from "../../middleware/http";
import {
	idParams,
	imageOrderSchema,
	imagePatchSchema,
	imageUploadQuery,
	inventorySchema,
	jsonBody,
	lowStockQuery,
	ok,
} from "./admin.schemas";
import { IMAGE_TYPES } from "./image-format";
import {
	addImage,
	deleteImage,
	MAX_IMAGE_BYTES,
	reorderImages,
	storeImage,
	updateImage,
} from "./images.service";
import { adjustInventory, lowStock } from "./inventory.service";

/** The upload route's path as the app-wide body limit must skip it (it has its own 5 MB). */
export const IMAGE_UPLOAD_PATH = "/v1/admin/products/:id/images";

const canWrite = requirePermission("catalog:write");
const errors = {
	400: ok("invalid request"),
	401: ok("no or bad token"),
	403: ok("not allowed"),
	404: ok("unknown id"),
};

/** Inventory adjustments and low-stock report; product images. */
export const adminStockRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/variants/{id}/inventory",
			tags: ["admin: inventory"],
			summary: "Adjust on_hand by delta or set it; writes a ledger row",
			middleware: requirePermission("inventory:write"),
			request: { params: idParams, body: jsonBody(inventorySchema) },
			responses: {
				200: ok("new stock figures"),
				...errors,
				409: ok("INSUFFICIENT_STOCK: below 0 or below reserved"),
			},
		}),
		async (c) =>
			c.json(
				await adjustInventory(
					c.var.services.db,
					c.req.valid("param").id,
					c.req.valid("json"),
					c.var.user?.id,
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/inventory/low-stock",
			tags: ["admin: inventory"],
			summary: "Active variants with available stock at or below threshold",
			middleware: requirePermission("inventory:write"),
			request: { query: lowStockQuery },
			responses: { 200: ok("{ data: variants }"), ...errors },
		}),
		async (c) => {
			const { threshold, limit } = c.req.valid("query");
			return c.json(
				{ data: await lowStock(c.var.services.db, threshold, limit) },
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/products/{id}/images",
			tags: ["admin: catalog"],
			summary: `Upload an image as the raw body (${Object.keys(IMAGE_TYPES).join(", ")}; ≤ 5 MB)`,
			middleware: [canWrite, limitBody(MAX_IMAGE_BYTES)],
			request: {
				params: idParams,
				query: imageUploadQuery,
				body: {
					required: true,
					content: Object.fromEntries(
						Object.keys(IMAGE_TYPES).map((type) => [
							type,
							{ schema: z.string().openapi({ format: "binary" }) },
						]),
					),
				},
			},
			responses: {
				201: ok("image"),
				...errors,
				413: ok("over 5 MB"),
				415: ok("not a supported image, or bytes not of the declared type"),
			},
		}),
		async (c) => {
			const { alt, variantId } = c.req.valid("query");
			const stored = await storeImage(
				c.var.services.images,
				await c.req.arrayBuffer(),
				c.req.header("Content-Type"),
			);
			const image = await addImage(
				c.var.services.db,
				c.req.valid("param").id,
				stored,
				alt ?? "",
				variantId,
			);
			return c.json({ ...image, url: `/v1/images/${image.key}` }, 201);
		},
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/images/{id}",
			tags: ["admin: catalog"],
			summary: "Set an image's alt text or variant",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(imagePatchSchema) },
			responses: { 200: ok("image"), ...errors },
		}),
		async (c) =>
			c.json(
				await updateImage(
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
			path: "/images/{id}",
			tags: ["admin: catalog"],
			summary: "Delete an image (the R2 object too once nothing references it)",
			middleware: canWrite,
			request: { params: idParams },
			responses: { 204: ok("deleted"), ...errors },
		}),
		async (c) => {
			await deleteImage(
				c.var.services.db,
				c.var.services.images,
				c.req.valid("param").id,
			);
			return c.body(null, 204);
		},
	)
	.openapi(
		createRoute({
			method: "put",
			path: "/products/{id}/images/order",
			tags: ["admin: catalog"],
			summary: "Reorder a product's images (list every image id once)",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(imageOrderSchema) },
			responses: { 204: ok("reordered"), ...errors },
		}),
		async (c) => {
			await reorderImages(
				c.var.services.db,
				c.req.valid("param").id,
				c.req.valid("json").imageIds,
			);
			return c.body(null, 204);
		},
	);
