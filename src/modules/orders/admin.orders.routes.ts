import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { IDEMPOTENT_REPLAYED_HEADER } from "../../lib/idempotency";
import {
	errorResponses,
	jsonBody,
	jsonContent,
	bearerAuth as security,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { authUser, requirePermission } from "../../middleware/auth";
import {
	IDEMPOTENCY_KEY_HEADER,
	idempotencyKey,
} from "../../middleware/idempotency";
import {
	adminCancelSchema,
	adminNoteSchema,
	adminOrderListQuery,
	adminOrderListSchema,
	adminOrderSchema,
	adminRefundResultSchema,
	fulfilSchema,
	refundSchema,
} from "./admin.orders.schemas";
import {
	addNote,
	deliverOrder,
	fulfilOrder,
	getAdminOrder,
	listAdminOrders,
} from "./admin.orders.service";
import { refundOrder } from "./admin.refunds.service";
import { adminCancelOrder } from "./cancel.service";
import { orderIdParams, orderSchema } from "./orders.schemas";

const tags = ["admin: orders"];
const canRead = requirePermission("orders:read");
const canWrite = requirePermission("orders:write");
const canRefund = requirePermission("refunds:write");
/** The admin behind this request, and the request, as audit rows name them. */
const actor = (c: Context<AppEnv>) => ({
	actorId: authUser(c).id,
	requestId: c.var.requestId,
});
const adminOrder = (description: string) =>
	jsonContent(adminOrderSchema, description);

/** /v1/admin/orders: every order, and what operators do with them. */
export const adminOrderRoutes = createRouter()
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security,
			summary: "Every order, filtered, in keyset pages",
			description:
				"`status` takes several (comma separated); `q` matches the order number exactly, or the email, the ship-to name or the customer's name as a substring. Sorts: newest, oldest (by placedAt), total (largest first). One round trip.",
			middleware: canRead,
			request: { query: adminOrderListQuery },
			responses: {
				200: jsonContent(adminOrderListSchema, "a page of orders"),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_CURSOR",
					"UNAUTHENTICATED",
					"FORBIDDEN",
				),
			},
		}),
		async (c) =>
			c.json(await listAdminOrders(c.var.services, c.req.valid("query")), 200),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/{id}",
			tags,
			security,
			summary: "One order, with everything operators see",
			description:
				"The customer's view plus the customer, per-line shipped/restocked units, fulfilments, refunds (Stripe ids, who asked), the full timeline (internal notes, actor ids) and Stripe events the queue gave up on. One round trip.",
			middleware: canRead,
			request: { params: orderIdParams },
			responses: {
				200: adminOrder("the order"),
				...errorResponses("UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND"),
			},
		}),
		async (c) =>
			c.json(await getAdminOrder(c.var.services, c.req.valid("param").id), 200),
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/{id}/fulfillments",
			tags,
			security,
			summary: "Ship some or all units of a paid order",
			description:
				"Without `items`, every unit not yet shipped (nor restocked). The order becomes `fulfilled` once no line has units left to ship; a `shipping_update` email with the tracking is enqueued. All or nothing; a repeat (double click) finds nothing left: 409 NOTHING_TO_FULFIL, or INVALID_ORDER_STATE once the order is fulfilled. One round trip.",
			middleware: canWrite,
			request: { params: orderIdParams, body: jsonBody(fulfilSchema) },
			responses: {
				201: adminOrder("the order after the fulfilment"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"INVALID_ORDER_STATE",
					"NOTHING_TO_FULFIL",
				),
			},
		}),
		async (c) => {
			const body = c.req.valid("json");
			const order = await fulfilOrder(c.var.services, {
				orderId: c.req.valid("param").id,
				...actor(c),
				carrier: body.carrier,
				trackingNumber: body.trackingNumber,
				trackingUrl: body.trackingUrl ?? null,
				items: body.items,
			});
			return c.json(order, 201);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/{id}/deliver",
			tags,
			security,
			summary: "Mark a fulfilled order delivered",
			description:
				"`fulfilled → delivered` (anything else: 409 INVALID_ORDER_STATE), with a `shipping_update` email. One round trip.",
			middleware: canWrite,
			request: { params: orderIdParams },
			responses: {
				200: adminOrder("the delivered order"),
				...errorResponses(
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"INVALID_ORDER_STATE",
				),
			},
		}),
		async (c) =>
			c.json(
				await deliverOrder(c.var.services, {
					orderId: c.req.valid("param").id,
					...actor(c),
				}),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/{id}/refunds",
			tags,
			security,
			summary: "Refund a paid order, fully or partly, optionally restocking",
			description: `Requires \`${IDEMPOTENCY_KEY_HEADER}\` (the same key and body replays the first response with \`${IDEMPOTENT_REPLAYED_HEADER}: true\`). Without \`amount\`, everything left to refund. More than is left (refunds in flight included): 409 REFUND_TOO_LARGE with \`details.remaining\`; two concurrent refunds of the rest: one succeeds. \`restock\` puts units back on hand (ledger \`restock\`). Status becomes partially_refunded or refunded; \`refund_issued\` email. Stripe unreachable: 503, nothing changed. Two round trips around one Stripe call.`,
			middleware: [canRefund, idempotencyKey()] as const,
			request: {
				params: orderIdParams,
				headers: z.object({
					"idempotency-key": z.string().openapi({
						description: "1-255 printable ASCII characters",
					}),
				}),
				body: jsonBody(refundSchema),
			},
			responses: {
				201: jsonContent(adminRefundResultSchema, "the refund and the order", [
					"Idempotent-Replayed",
				]),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"INVALID_ORDER_STATE",
					"REFUND_TOO_LARGE",
					"IDEMPOTENCY_IN_PROGRESS",
					"IDEMPOTENCY_KEY_REUSED",
					"PAYMENT_PROVIDER_UNAVAILABLE",
				),
			},
		}),
		async (c) => {
			const result = await refundOrder(c.var.services, {
				orderId: c.req.valid("param").id,
				...actor(c),
				body: c.req.valid("json"),
				idempotencyKey: c.var.idempotencyKey ?? "",
			});
			if (result.replayed) c.header(IDEMPOTENT_REPLAYED_HEADER, "true");
			return c.json(result.body as never, result.status as 201);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/{id}/cancel",
			tags,
			security,
			summary: "Cancel an order (as the customer's cancel does)",
			description:
				"pending_payment: the PaymentIntent is cancelled at Stripe, then the stock released. paid and not fulfilled: a full refund, then a restock. Later statuses: 409 INVALID_ORDER_STATE. The reason and the admin's id go on the order and its timeline. Answers the customer's view of the order.",
			middleware: canWrite,
			request: { params: orderIdParams, body: jsonBody(adminCancelSchema) },
			responses: {
				200: jsonContent(orderSchema, "the cancelled order"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"INVALID_ORDER_STATE",
					"PAYMENT_PROVIDER_UNAVAILABLE",
				),
			},
		}),
		async (c) =>
			c.json(
				await adminCancelOrder(c.var.services, {
					orderId: c.req.valid("param").id,
					...actor(c),
					reason: c.req.valid("json").reason,
				}),
				200,
			),
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/{id}/notes",
			tags,
			security,
			summary: "Add an internal note to the timeline",
			description:
				"Never shown to the customer. One round trip; answers the order.",
			middleware: canWrite,
			request: { params: orderIdParams, body: jsonBody(adminNoteSchema) },
			responses: {
				201: adminOrder("the order with the note"),
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
				await addNote(c.var.services, {
					orderId: c.req.valid("param").id,
					...actor(c),
					body: c.req.valid("json").body,
				}),
				201,
			),
	);
