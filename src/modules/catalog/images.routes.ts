import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { errorResponses, headerRefs, noContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { imageKeySchema } from "./catalog.schemas";
import { serveImage } from "./images.service";

/** Product images as stored in R2, straight from the bucket (no database). */
export const imageRoutes = createRouter().openapi(
	createRoute({
		method: "get",
		path: "/images/{key}",
		tags: ["catalog"],
		summary: "A product image (content-addressed, immutable)",
		request: { params: z.object({ key: imageKeySchema }) },
		responses: {
			200: {
				description: "the image bytes",
				headers: headerRefs("ETag"),
				content: {
					"image/*": {
						schema: { type: "string", contentEncoding: "binary" },
					},
				},
			},
			304: noContent("not modified (If-None-Match matched)", ["ETag"]),
			...errorResponses("VALIDATION_FAILED", "NOT_FOUND"),
		},
	}),
	async (c) => {
		const res = await serveImage(c.var.services.images, {
			key: c.req.valid("param").key,
			ifNoneMatch: c.req.header("If-None-Match"),
		});
		if (!res) throw new ApiError("NOT_FOUND", "Image not found");
		return res;
	},
);
