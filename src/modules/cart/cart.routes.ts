import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../lib/errors";
import {
	errorResponses,
	jsonBody,
	jsonContent,
	mayAlsoSet,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { optionalAuth, rejectRevokedToken } from "../../middleware/auth";
import { requireAllowedOrigin } from "../../middleware/http";
import { clientNetwork, enforceRateLimits } from "../../middleware/rate-limit";
import {
	addItemBody,
	cartSchema,
	itemIdParam,
	setQuantityBody,
} from "./cart.schemas";
import {
	addItem,
	addItemToNewGuestCart,
	clearCart,
	emptyCart,
	getCart,
	removeItem,
	setItemQuantity,
} from "./cart.service";
import {
	CART_TOKEN_HEADER,
	cartOwnerOf,
	clearCartCookie,
	type PresentedCartToken,
	setCartCookie,
} from "./cart-token";

/**
 * A 404 for a cart that is not there (never for a missing line of a cart that is). A stale cookie (cart merged or purged) is cleared with it,
 * so the browser's next add starts a new cart instead of failing forever.
 */
function missing(
	c: Context<AppEnv>,
	presented: PresentedCartToken | undefined,
	message: string,
): ApiError {
	if (presented?.via === "cookie") clearCartCookie(c);
	return new ApiError("NOT_FOUND", message);
}

/** A guest's cookie lives as long as their cart: every write slides it. */
function slideCookie(c: Context<AppEnv>, presented?: PresentedCartToken) {
	if (presented?.via === "cookie") setCartCookie(c, presented.token);
}

const tags = ["cart"];
/** An access token, a guest cart token, or nothing (a new guest). */
const security: Record<string, string[]>[] = [
	{ bearer: [] },
	{ cartToken: [] },
	{},
];
/** Route descriptions: what every cart route, and every cart write, says about credentials. */
const credentials =
	"An Authorization header that does not verify is a 401, never a silent guest.";
const writes = `${credentials} A cross-site \`Origin\` is refused (403).`;

const router = createRouter();
router.use("*", optionalAuth());
// Carts are personal: never stored by any cache.
router.use(
	"*",
	createMiddleware<AppEnv>(async (c, next) => {
		await next();
		c.header("Cache-Control", "no-store");
	}),
);

/** /v1/cart: a signed-in user's cart (access token) or a guest's (cart token). */
export const cartRoutes = router
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security,
			...mayAlsoSet("Set-Cookie"),
			summary:
				"The cart, re-priced from the live catalog with per-line notices",
			description: `Guests send their cart token as \`${CART_TOKEN_HEADER}\` or the vs_cart cookie. No cart (or an unknown token): an empty cart with id null. ${credentials}`,
			responses: {
				200: jsonContent(cartSchema, "the cart"),
				...errorResponses("UNAUTHENTICATED"),
			},
		}),
		async (c) => {
			const { owner } = await cartOwnerOf(c);
			const cart = owner
				? await getCart(c.var.services.db, { owner })
				: emptyCart();
			return c.json(cart, 200);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/items",
			tags,
			security,
			...mayAlsoSet("Set-Cookie"),
			summary: "Add a variant to the cart (or raise its line)",
			description: `Without an access token or cart token, a guest cart is created and its token returned (body \`cartToken\`, \`X-Cart-Token\` header and the vs_cart cookie). New guest carts are rate limited per client network (\`RATE_LIMIT_GUEST_CART_IP\`, 429). Stock is checked live. 404: unknown variant or cart token. 409 UNAVAILABLE: the variant or its product is not active. 409 details: OUT_OF_STOCK {available, inCart}, QUANTITY_LIMIT {max, inCart}, CURRENCY_MISMATCH {cartCurrency}, CART_FULL {maxLines}. ${writes}`,
			middleware: [requireAllowedOrigin(), rejectRevokedToken("open")] as const,
			request: { body: jsonBody(addItemBody) },
			responses: {
				201: jsonContent(cartSchema, "the updated cart", ["X-Cart-Token"]),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"UNAVAILABLE",
					"OUT_OF_STOCK",
					"QUANTITY_LIMIT",
					"CURRENCY_MISMATCH",
					"CART_FULL",
					"RATE_LIMITED",
					"TOKEN_REVOKED",
				),
			},
		}),
		async (c) => {
			const { db } = c.var.services;
			const body = c.req.valid("json");
			const { owner, presented } = await cartOwnerOf(c);
			if (!owner && !presented) {
				// New guest carts are rows anyone can make: capped per client network.
				await enforceRateLimits(c, [["guest_cart_ip", clientNetwork(c)]]);
				const { cart, cartToken } = await addItemToNewGuestCart(db, body);
				setCartCookie(c, cartToken);
				c.header(CART_TOKEN_HEADER, cartToken);
				return c.json({ ...cart, cartToken }, 201);
			}
			const cart = owner && (await addItem(db, { owner, ...body }));
			if (!cart) throw missing(c, presented, "Cart not found");
			slideCookie(c, presented);
			return c.json(cart, 201);
		},
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/items/{itemId}",
			tags,
			security,
			...mayAlsoSet("Set-Cookie"),
			summary: "Set a line's quantity (0 removes it)",
			description: `404: not a line of this cart. 409 UNAVAILABLE: the variant or its product is no longer active (the line can still be removed). 409 details: OUT_OF_STOCK {available}. ${writes}`,
			middleware: [requireAllowedOrigin(), rejectRevokedToken("open")] as const,
			request: { params: itemIdParam, body: jsonBody(setQuantityBody) },
			responses: {
				200: jsonContent(cartSchema, "the updated cart"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"TOKEN_REVOKED",
					"FORBIDDEN",
					"NOT_FOUND",
					"UNAVAILABLE",
					"OUT_OF_STOCK",
					"CURRENCY_MISMATCH",
				),
			},
		}),
		async (c) => {
			const { itemId } = c.req.valid("param");
			const { quantity } = c.req.valid("json");
			const { owner, presented } = await cartOwnerOf(c);
			if (!owner) throw missing(c, presented, "Cart item not found");
			const cart = await setItemQuantity(c.var.services.db, {
				owner,
				itemId,
				quantity,
			});
			slideCookie(c, presented);
			return c.json(cart, 200);
		},
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/items/{itemId}",
			tags,
			security,
			...mayAlsoSet("Set-Cookie"),
			summary: "Remove a line",
			description: `404: not a line of this cart. $writes`,
			middleware: [requireAllowedOrigin(), rejectRevokedToken("open")] as const,
			request: { params: itemIdParam },
			responses: {
				204: { description: "removed" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"TOKEN_REVOKED",
					"FORBIDDEN",
					"NOT_FOUND",
				),
			},
		}),
		async (c) => {
			const { itemId } = c.req.valid("param");
			const { owner, presented } = await cartOwnerOf(c);
			if (!owner) throw missing(c, presented, "Cart item not found");
			if (!(await removeItem(c.var.services.db, { owner, itemId })))
				throw new ApiError("NOT_FOUND", "Cart item not found");
			slideCookie(c, presented);
			return c.body(null, 204);
		},
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/",
			tags,
			security,
			...mayAlsoSet("Set-Cookie"),
			summary: "Empty the cart (idempotent)",
			description: writes,
			middleware: [requireAllowedOrigin(), rejectRevokedToken("open")] as const,
			responses: {
				204: { description: "emptied (or there was nothing to empty)" },
				...errorResponses("UNAUTHENTICATED", "TOKEN_REVOKED", "FORBIDDEN"),
			},
		}),
		async (c) => {
			const { owner } = await cartOwnerOf(c);
			if (owner) await clearCart(c.var.services.db, { owner });
			return c.body(null, 204);
		},
	);
