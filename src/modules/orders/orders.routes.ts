import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { errorResponses, jsonContent } from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { authUser, optionalAuth, requireAuth } from "../../middleware/auth";
import { ORDER_TOKEN_HEADER, orderReader } from "./orders.access";
import {
	orderIdParams,
	orderItemsSchema,
	orderListQuery,
	orderListSchema,
	orderPaymentSchema,
	orderSchema,
} from "./orders.schemas";
import {
	getOrder,
	getOrderItems,
	getPendingPayment,
	listOrders,
} from "./orders.service";

/** Orders are personal: no cache may store any answer, errors included. */
const noStore = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		await next();
		c.header("Cache-Control", "no-store");
	});

const tags = ["orders"];
const signedIn = [{ bearer: [] }];
/** The customer's access token, or a guest's order token. */
const ownerOrGuest: Record<string, string[]>[] = [{ bearer: [] }, {}];
const orderToken = z.object({
	[ORDER_TOKEN_HEADER.toLowerCase()]: z.string().optional().openapi({
		description:
			"A guest's order access token (from POST /v1/orders); ignored with an access token",
	}),
});
const whoMaySee = `The customer who placed it (access token) or a guest with its \`${ORDER_TOKEN_HEADER}\`. Anyone else, an unknown id or one that is not a UUID: 404, never 403.`;

/**
 * Reading orders: GET /v1/orders (history) and GET /v1/orders/{id}[/items|/payment]. Middleware
 * is listed per route, so nothing else mounted under /orders (checkout) is touched by it.
 */
export const orderRoutes = createRouter()
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security: signedIn,
			summary: "The signed-in customer's orders, newest first (keyset pages)",
			description:
				"Guests read their orders one at a time with their order token; this list needs an access token (401).",
			middleware: [noStore(), requireAuth()] as const,
			request: { query: orderListQuery },
			responses: {
				200: jsonContent(orderListSchema, "a page of order summaries"),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_CURSOR",
					"UNAUTHENTICATED",
				),
			},
		}),
		async (c) => {
			const { limit, cursor } = c.req.valid("query");
			const page = await listOrders(c.var.services.db, {
				userId: authUser(c).id,
				limit,
				cursor,
			});
			return c.json(page, 200);
		},
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/{id}",
			tags,
			security: ownerOrGuest,
			summary:
				"An order with its lines, address, shipping, payment, refunds and timeline",
			description: whoMaySee,
			middleware: [noStore(), optionalAuth()] as const,
			request: { params: orderIdParams, headers: orderToken },
			responses: {
				200: jsonContent(orderSchema, "the order"),
				...errorResponses("UNAUTHENTICATED", "NOT_FOUND"),
			},
		}),
		async (c) =>
			c.json(
				await getOrder(
					c.var.services.db,
					await orderReader(c),
					c.req.valid("param").id,
				),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/{id}/items",
			tags,
			security: ownerOrGuest,
			summary: "An order's lines, as charged",
			description: whoMaySee,
			middleware: [noStore(), optionalAuth()] as const,
			request: { params: orderIdParams, headers: orderToken },
			responses: {
				200: jsonContent(orderItemsSchema, "the order's lines"),
				...errorResponses("UNAUTHENTICATED", "NOT_FOUND"),
			},
		}),
		async (c) =>
			c.json(
				{
					data: await getOrderItems(
						c.var.services.db,
						await orderReader(c),
						c.req.valid("param").id,
					),
					nextCursor: null,
				},
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/{id}/payment",
			tags,
			security: ownerOrGuest,
			summary:
				"Resume paying an unpaid order: the PaymentIntent's client secret",
			description: `Only while the order is \`pending_payment\`; otherwise 409 INVALID_ORDER_STATE with the current \`status\` in details. The status is read live from Stripe. ${whoMaySee}`,
			middleware: [noStore(), optionalAuth()] as const,
			request: { params: orderIdParams, headers: orderToken },
			responses: {
				200: jsonContent(orderPaymentSchema, "the payment to confirm"),
				...errorResponses(
					"UNAUTHENTICATED",
					"NOT_FOUND",
					"INVALID_ORDER_STATE",
					"PAYMENT_PROVIDER_UNAVAILABLE",
				),
			},
		}),
		async (c) =>
			c.json(
				await getPendingPayment(
					c.var.services.db,
					c.var.services.stripe,
					await orderReader(c),
					c.req.valid("param").id,
				),
				200,
			),
	);
