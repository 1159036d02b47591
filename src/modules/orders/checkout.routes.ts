import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { IDEMPOTENT_REPLAYED_HEADER } from "../../lib/idempotency";
import {
	errorResponses,
	jsonBody,
	jsonContent,
	mayAlsoSet,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { optionalAuth, rejectRevokedToken } from "../../middleware/auth";
import { requireAllowedOrigin } from "../../middleware/http";
import {
	IDEMPOTENCY_KEY_HEADER,
	idempotencyKey,
} from "../../middleware/idempotency";
import {
	CART_TOKEN_HEADER,
	cartOwnerOf,
	clearCartCookie,
} from "../cart/cart-token";
import { checkoutBody, placedOrderSchema } from "./checkout.schemas";
import { placeOrder } from "./checkout.service";
import { ORDER_TOKEN_HEADER } from "./orders.access";

/** A customer's access token, or a guest's cart token. */
const security: Record<string, string[]>[] = [
	{ bearer: [] },
	{ cartToken: [] },
];

const router = createRouter();

/** POST /v1/orders: checkout from the caller's cart. */
export const checkoutRoutes = router.openapi(
	createRoute({
		method: "post",
		path: "/",
		tags: ["orders"],
		security,
		...mayAlsoSet("Set-Cookie"),
		summary: "Place an order from the cart and start its payment",
		description: `From the signed-in customer's cart, or a guest's (\`${CART_TOKEN_HEADER}\` or the vs_cart cookie, plus \`email\`). Prices, totals and the Stripe amount come from the database only; the lines are charged at today's prices and \`priceChanges\` lists any line whose price moved since it was added. Stock is reserved until \`order.paymentDueAt\`; pay with Stripe.js using \`payment.clientSecret\` and \`payment.publishableKey\`. Guests get \`orderToken\` (and their cart token is spent: a vs_cart cookie is cleared): send it as \`${ORDER_TOKEN_HEADER}\` to read or cancel the order. Optional \`${IDEMPOTENCY_KEY_HEADER}\`: the same key and body replays the first response (\`${IDEMPOTENT_REPLAYED_HEADER}: true\`), 409 IDEMPOTENCY_IN_PROGRESS while it runs, 422 IDEMPOTENCY_KEY_REUSED for another body; keys live 24 h. 409: CART_EMPTY, OUT_OF_STOCK {lines:[{variantId, sku, requested, available, sellable}]}, CURRENCY_MISMATCH. 422 SHIPPING_METHOD_UNAVAILABLE {shippingMethod, cartCurrency, methodCurrency}. 404: unknown shippingAddressId. 503 PAYMENT_PROVIDER_UNAVAILABLE: nothing was ordered, the cart is unchanged; retry.`,
		middleware: [
			optionalAuth(),
			rejectRevokedToken("closed"),
			requireAllowedOrigin(),
			idempotencyKey(),
		] as const,
		request: { body: jsonBody(checkoutBody) },
		responses: {
			201: jsonContent(placedOrderSchema, "the order, pending payment", [
				"Idempotent-Replayed",
			]),
			...errorResponses(
				"VALIDATION_FAILED",
				"UNAUTHENTICATED",
				"TOKEN_REVOKED",
				"DEPENDENCY_UNAVAILABLE",
				"FORBIDDEN",
				"NOT_FOUND",
				"CART_EMPTY",
				"OUT_OF_STOCK",
				"CURRENCY_MISMATCH",
				"IDEMPOTENCY_IN_PROGRESS",
				"IDEMPOTENCY_KEY_REUSED",
				"SHIPPING_METHOD_UNAVAILABLE",
				"PAYMENT_PROVIDER_UNAVAILABLE",
			),
		},
	}),
	async (c) => {
		const body = c.req.valid("json");
		const { owner, presented } = await cartOwnerOf(c);
		c.header("Cache-Control", "no-store");
		// No account and no (well-formed) cart token: there is no cart to order from.
		if (!owner)
			throw new ApiError("CART_EMPTY", "There is nothing in the cart to order");
		const result = await placeOrder(c.var.services, {
			owner,
			body,
			idempotencyKey: c.var.idempotencyKey,
		});
		if (result.replayed) c.header(IDEMPOTENT_REPLAYED_HEADER, "true");
		// The guest cart is spent (ordered): the browser's next add starts a new one.
		if (owner.kind === "guest" && presented?.via === "cookie")
			clearCartCookie(c);
		return c.json(result.body as never, result.status as 201);
	},
);
