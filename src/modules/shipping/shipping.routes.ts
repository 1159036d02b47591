import { createRoute } from "@hono/zod-openapi";
import { cachedJson } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { edgeCache } from "../catalog/edge-cache";
import { shippingMethodListSchema } from "./shipping.schemas";
import { listActiveShippingMethods } from "./shipping.service";

/** GET /v1/shipping-methods: public, edge-cached like the catalog (one round trip on a miss). */
export const shippingRoutes = createRouter().openapi(
	createRoute({
		method: "get",
		path: "/",
		tags: ["shipping"],
		summary: "Active shipping methods, in display order",
		description:
			"Served from the edge cache for up to 60 s (ETag, 304 on If-None-Match). Checkout prices shipping from the database, never from this list.",
		middleware: edgeCache(),
		responses: {
			...cachedJson(shippingMethodListSchema, "active shipping methods"),
		},
	}),
	async (c) =>
		c.json(
			{
				data: await listActiveShippingMethods(c.var.services.db),
				nextCursor: null,
			},
			200,
		),
);
