import { createRoute, z } from "@hono/zod-openapi";
import {
	bearerAuth,
	errorResponses,
	jsonBody,
	jsonContent,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import { limitBody } from "../../middleware/http";
import { auditActor } from "../admin/audit-actor";
import {
	deleteImage,
	MAX_IMAGE_BYTES,
	reorderImages,
	updateImage,
	uploadImage,
	withUrl,
} from "./admin.images.service";
import {
	adminImageSchema,
	idParams,
	imageOrderSchema,
	imagePatchSchema,
	imageUploadQuery,
} from "./admin.schemas";
import { IMAGE_TYPES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from "./image-format";

const canWrite = requirePermission("catalog:write");

/** Product images: upload (raw body, own 5 MB limit), alt text and variant, order, delete. */
export const adminImageRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/products/{id}/images",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: `Upload an image as the raw body (${Object.keys(IMAGE_TYPES).join(", ")}; ≤ 5 MB)`,
			description: `Width and height are read from the bytes (never taken from the client). 415 when the Content-Type is not a supported image type or the bytes are not of the declared type; 400 INVALID_IMAGE when the header cannot be read; 413 over 5 MB, and IMAGE_TOO_LARGE over ${MAX_IMAGE_SIDE} pixels a side or ${MAX_IMAGE_PIXELS} pixels.`,
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
				201: jsonContent(adminImageSchema, "the image"),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_IMAGE",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"PAYLOAD_TOO_LARGE",
					"IMAGE_TOO_LARGE",
					"UNSUPPORTED_MEDIA_TYPE",
				),
			},
		}),
		async (c) => {
			const { db, images } = c.var.services;
			const image = await uploadImage(
				db,
				images,
				{
					productId: c.req.valid("param").id,
					body: await c.req.arrayBuffer(),
					contentType: c.req.header("Content-Type"),
					...c.req.valid("query"),
				},
				auditActor(c),
			);
			return c.json(withUrl(image), 201);
		},
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/images/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
			summary: "Set an image's alt text or variant",
			middleware: canWrite,
			request: { params: idParams, body: jsonBody(imagePatchSchema) },
			responses: {
				200: jsonContent(adminImageSchema, "the image"),
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
				withUrl(
					await updateImage(
						c.var.services.db,
						{ id: c.req.valid("param").id, changes: c.req.valid("json") },
						auditActor(c),
					),
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/images/{id}",
			tags: ["admin: catalog"],
			security: bearerAuth,
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
			await deleteImage(c.var.services.db, c.req.valid("param"), auditActor(c));
			return c.body(null, 204);
		},
	)
	.openapi(
		createRoute({
			method: "put",
			path: "/products/{id}/images/order",
			tags: ["admin: catalog"],
			security: bearerAuth,
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
				{
					productId: c.req.valid("param").id,
					imageIds: c.req.valid("json").imageIds,
				},
				auditActor(c),
			);
			return c.body(null, 204);
		},
	);
