import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { optionalAuth, rejectRevokedToken } from "../../middleware/auth";
import { cancelOrder } from "./cancel.service";
import { ORDER_TOKEN_HEADER, orderReader } from "./orders.access";
import { orderIdParams, orderSchema } from "./orders.schemas";

/** Orders are personal: no cache may store any answer, errors included. */
const noStore = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		await next();
		c.header("Cache-Control", "no-store");
	});

/** The customer's access token, or a guest's order token (as the order reads take them). */
const ownerOrGuest: Record<string, string[]>[] = [{ bearer: [] }, {}];
const orderToken = z.object({
	[ORDER_TOKEN_HEADER.toLowerCase()]: z.string().optional().openapi({
		description:
			"A guest's order access token (from POST /v1/orders); ignored with an access token",
	}),
});

/**
 * POST /v1/orders/{id}/cancel. Middleware is listed on the route, so nothing else mounted under
 * /orders is touched by it.
 */
export const orderCancelRoutes = createRouter().openapi(
	createRoute({
		method: "post",
		path: "/{id}/cancel",
		tags: ["orders"],
		security: ownerOrGuest,
		summary: "Cancel an order",
		description: `pending_payment: the PaymentIntent is cancelled at Stripe first, then the reserved stock released (a payment that already succeeded is processed as paid, then refunded). paid and not yet fulfilled: a full refund at Stripe, then a restock. Any later status: 409 INVALID_ORDER_STATE naming it (\`details.status\`). The customer who placed it (access token) or a guest with its \`${ORDER_TOKEN_HEADER}\`; anyone else, an unknown id or one that is not a UUID: 404. Stripe unreachable or timing out: 503 PAYMENT_PROVIDER_UNAVAILABLE with Retry-After, nothing changed. Answers the order as it is after the cancellation.`,
		middleware: [
			noStore(),
			optionalAuth(),
			rejectRevokedToken("closed"),
		] as const,
		request: { params: orderIdParams, headers: orderToken },
		responses: {
			200: jsonContent(orderSchema, "the cancelled order"),
			...errorResponses(
				"UNAUTHENTICATED",
				"TOKEN_REVOKED",
				"DEPENDENCY_UNAVAILABLE",
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
		return c.json(order, 200);
	},
);
