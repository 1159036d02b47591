import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { optionalAuth } from "../../middleware/auth";
import { cancelOrder } from "./cancel.service";
import { ORDER_TOKEN_HEADER, orderReader } from "./orders.access";

/** What the cancel answers with: the order's identity, status and cancellation. */
const cancelledOrderSchema = z
	.object({
		id: z.uuid(),
		number: z.string().openapi({ example: "VS-10042" }),
		status: z.literal("cancelled"),
		total: z.number().int(),
		refundedTotal: z.number().int(),
		currency: z.string().length(3),
		cancelledAt: z.string().nullable(),
		cancelReason: z.string().nullable(),
	})
	.openapi("CancelledOrder");

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
router.use("*", optionalAuth());
router.use(
	"/*",
	createMiddleware<AppEnv>(async (c, next) => {
		await next();
		c.header("Cache-Control", "no-store");
	}),
);

/** /v1/orders/{id}/cancel: the customer (access token) or guest (order token) cancels an order. */
export const orderCancelRoutes = router.openapi(
	createRoute({
		method: "post",
		path: "/{id}/cancel",
		tags: ["orders"],
		security,
		summary: "Cancel an order",
		description: `pending_payment: the PaymentIntent is cancelled at Stripe, the reserved stock released (a payment that already succeeded is processed, then refunded). paid and not yet fulfilled: a full refund at Stripe and a restock. Any later status is 409 INVALID_ORDER_STATE naming it. Guests send \`${ORDER_TOKEN_HEADER}\`; someone else's order is 404. When Stripe is unreachable: 503 with Retry-After and nothing changed.`,
		request: {
			params: z.object({
				id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
			}),
		},
		responses: {
			200: jsonContent(cancelledOrderSchema, "the cancelled order"),
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
		return c.json(
			{
				id: order.id,
				number: order.number,
				status: "cancelled" as const,
				total: order.total,
				refundedTotal: order.refundedTotal,
				currency: order.currency,
				cancelledAt: order.cancelledAt,
				cancelReason: order.cancelReason,
			},
			200,
		);
	},
);
