import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import { limitBody } from "../../middleware/http";
import {
	idParams,
	imageOrderSchema,
	imagePatchSchema,
	imageUploadQuery,
	inventorySchema,
	lowStockQuery,
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

/** Inventory adjustments and low-stock report; product images. */
export const adminStockRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/variants/{id}/inventory",
			tags: ["admin: inventory"],
			summary: "Adjust on_hand by delta or set it; writes a ledger row",
			description:
				"409 INSUFFICIENT_STOCK when on_hand would fall below 0 or below what is reserved.",
			middleware: requirePermission("inventory:write"),
			request: { params: idParams, body: jsonBody(inventorySchema) },
			responses: {
				200: { description: "new stock figures" },
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
			responses: {
				200: { description: "{ data: variants }" },
				...errorResponses("VALIDATION_FAILED", "UNAUTHENTICATED", "FORBIDDEN"),
			},
		}),
		async (c) => {
			const { threshold, limit } = c.req.valid("query");
			return c.json(
				{ data: await lowStock(c.var.services.db, { threshold, limit }) },
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
			description:
				"415 when the Content-Type is not a supported image type or the bytes are not of the declared type; 413 over 5 MB.",
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
				201: { description: "image" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"PAYLOAD_TOO_LARGE",
					"UNSUPPORTED_MEDIA_TYPE",
				),
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
			responses: {
				200: { description: "image" },
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
			responses: {
				204: { description: "reordered" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
				),
			},
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
