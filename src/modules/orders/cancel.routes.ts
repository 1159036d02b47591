import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { optionalAuth } from "../../middleware/auth";
import { cancelOrder } from "./cancel.service";
import { ORDER_TOKEN_HEADER, orderReader } from "./orders.access";
import { orderSchema } from "./orders.schemas";

/** A signed-in customer (access token) or a guest holding the order's token. */
const security: Record<string, string[]>[] = [
	{ bearer: [] },
	{ orderToken: [] },
];

const router = createRouter();
router.openAPIRegistry.registerComponent("securitySchemes", "orderToken", {
	type: "apiKey",
	in: "header",
	name: ORDER_TOKEN_HEADER,
	description: "A guest's order access token, returned by POST /v1/orders",
});

/** /v1/orders/{id}/cancel: the customer (access token) or guest (order token) cancels an order. */
export const orderCancelRoutes = router.openapi(
	createRoute({
		method: "post",
		path: "/{id}/cancel",
		tags: ["orders"],
		security,
		// Scoped to this route: other routers are mounted at /orders too.
		middleware: [optionalAuth()] as const,
		summary: "Cancel an order",
		description: `pending_payment: the PaymentIntent is cancelled at Stripe, the reserved stock released (a payment that already succeeded is processed, then refunded). paid and not yet fulfilled: a full refund at Stripe and a restock. Any later status is 409 INVALID_ORDER_STATE naming it. Guests send \`${ORDER_TOKEN_HEADER}\`; someone else's order is 404. When Stripe is unreachable: 503 with Retry-After and nothing changed.`,
		request: {
			params: z.object({
				id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
			}),
		},
		responses: {
			200: jsonContent(orderSchema, "the cancelled order"),
			...errorResponses(
				"VALIDATION_FAILED",
				"UNAUTHENTICATED",
				"NOT_FOUND",
				"INVALID_ORDER_STATE",
				"PAYMENT_PROVIDER_UNAVAILABLE",
			),
		},
	}),
	async (c) => {
		const order = await cancelOrder(c.var.services, {
			orderId: c.req.valid("param").id,
			reader: await orderReader(c),
			actorId: c.get("user")?.id ?? null,
		});
		c.header("Cache-Control", "no-store");
		return c.json(order, 200);
	},
);
