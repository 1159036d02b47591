import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { createRouter } from "../../lib/router";
import { randomToken } from "../../lib/tokens";
import { optionalAuth } from "../../middleware/auth";
import { errorResponse as err, jsonBody } from "../auth/auth.schemas";
import { requireAllowedOrigin } from "../auth/session-cookie";
import {
	addItemBody,
	cartSchema,
	itemIdParam,
	setQuantityBody,
} from "./cart.schemas";
import {
	addItem,
	clearCart,
	emptyCart,
	getCart,
	removeItem,
	setItemQuantity,
} from "./cart.service";
import {
	CART_TOKEN_HEADER,
	type CartOwner,
	cartTokenHash,
	clearCartCookie,
	type PresentedCartToken,
	presentedCartToken,
	setCartCookie,
} from "./cart.token";

/**
 * Whose cart: the signed-in user's (a presented cart token is then ignored: merging happens at
 * login), else the guest cart of the presented token. `owner` is undefined when there is no cart
 * to look for: no token, or one that cannot be ours (it matches nothing, so it is not hashed).
 */
async function resolveOwner(c: Context<AppEnv>): Promise<{
	owner?: CartOwner;
	presented?: PresentedCartToken;
}> {
	const user = c.get("user");
	if (user) return { owner: { kind: "user", userId: user.id } };
	const presented = presentedCartToken(c);
	if (!presented?.wellFormed) return { presented };
	return {
		owner: { kind: "guest", tokenHash: await cartTokenHash(presented.token) },
		presented,
	};
}

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
const cartResponse = (description: string) => ({
	description,
	content: { "application/json": { schema: cartSchema } },
});
const auth401 = err(
	"UNAUTHENTICATED (an Authorization header that does not verify)",
);

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
			summary:
				"The cart, re-priced from the live catalog with per-line notices",
			description: `Guests send their cart token as \`${CART_TOKEN_HEADER}\` or the vs_cart cookie. No cart (or an unknown token): an empty cart with id null.`,
			responses: { 200: cartResponse("the cart"), 401: auth401 },
		}),
		async (c) => {
			const { owner } = await resolveOwner(c);
			const cart = owner
				? await getCart(c.var.services.db, owner)
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
			summary: "Add a variant to the cart (or raise its line)",
			description:
				"Without an access token or cart token, a guest cart is created and its token returned (body `cartToken`, `X-Cart-Token` header and the vs_cart cookie). Stock is checked live.",
			middleware: [requireAllowedOrigin()] as const,
			request: { body: jsonBody(addItemBody) },
			responses: {
				201: cartResponse("the updated cart"),
				400: err("VALIDATION_FAILED (quantity outside 1..99, not a UUID)"),
				401: auth401,
				403: err("FORBIDDEN (cross-site Origin)"),
				404: err(
					"NOT_FOUND (unknown or archived variant, inactive product, unknown cart token)",
				),
				409: err(
					"OUT_OF_STOCK {available, inCart}, QUANTITY_LIMIT {max, inCart}, CURRENCY_MISMATCH {cartCurrency}, CART_FULL {maxLines}",
				),
			},
		}),
		async (c) => {
			const body = c.req.valid("json");
			const { owner, presented } = await resolveOwner(c);
			if (owner) {
				const cart = await addItem(c.var.services.db, { owner, ...body });
				if (!cart) throw missing(c, presented, "Cart not found");
				slideCookie(c, presented);
				return c.json(cart, 201);
			}
			if (presented) throw missing(c, presented, "Cart not found");
			const token = randomToken();
			const tokenHash = await cartTokenHash(token);
			const cart = await addItem(c.var.services.db, {
				owner: { kind: "guest", tokenHash },
				newGuestCart: { id: uuidv7(), tokenHash },
				...body,
			});
			if (!cart) throw new Error("a new guest cart was not created");
			setCartCookie(c, token);
			c.header(CART_TOKEN_HEADER, token);
			return c.json({ ...cart, cartToken: token }, 201);
		},
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/items/{itemId}",
			tags,
			security,
			summary: "Set a line's quantity (0 removes it)",
			middleware: [requireAllowedOrigin()] as const,
			request: { params: itemIdParam, body: jsonBody(setQuantityBody) },
			responses: {
				200: cartResponse("the updated cart"),
				400: err("VALIDATION_FAILED"),
				401: auth401,
				403: err("FORBIDDEN (cross-site Origin)"),
				404: err("NOT_FOUND (not a line of this cart)"),
				409: err("OUT_OF_STOCK {available}, CURRENCY_MISMATCH"),
			},
		}),
		async (c) => {
			const { itemId } = c.req.valid("param");
			const { quantity } = c.req.valid("json");
			const { owner, presented } = await resolveOwner(c);
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
			summary: "Remove a line",
			middleware: [requireAllowedOrigin()] as const,
			request: { params: itemIdParam },
			responses: {
				204: { description: "removed" },
				400: err("VALIDATION_FAILED"),
				401: auth401,
				403: err("FORBIDDEN (cross-site Origin)"),
				404: err("NOT_FOUND (not a line of this cart)"),
			},
		}),
		async (c) => {
			const { itemId } = c.req.valid("param");
			const { owner, presented } = await resolveOwner(c);
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
			summary: "Empty the cart (idempotent)",
			middleware: [requireAllowedOrigin()] as const,
			responses: {
				204: { description: "emptied (or there was nothing to empty)" },
				401: auth401,
				403: err("FORBIDDEN (cross-site Origin)"),
			},
		}),
		async (c) => {
			const { owner } = await resolveOwner(c);
			if (owner) await clearCart(c.var.services.db, owner);
			return c.body(null, 204);
		},
	);
