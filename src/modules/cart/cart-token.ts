import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../app-env";
import { credentialCookie } from "../../lib/cookies";
import { sha256Hex, TOKEN_PATTERN } from "../../lib/tokens";
import type { CartMergeOutcome, GuestCart } from "./cart-merge.queries";

const CART_COOKIE = "vs_cart";
export const CART_TOKEN_HEADER = "X-Cart-Token";
/** Guest carts untouched this long are purged; the cookie's sliding Max-Age matches it. */
export const GUEST_CART_TTL_DAYS = 30;

/** Path /v1, not /v1/cart: login and register read it too, for the merge. */
const cookieOptions = (c: Context<AppEnv>) => credentialCookie(c, "/v1");

/** Whose cart a request is about. A guest is known only by the hash of their cart token. */
export type CartOwner =
	| { kind: "user"; userId: string }
	| { kind: "guest"; tokenHash: string };

export interface PresentedCartToken {
	token: string;
	via: "header" | "cookie";
	/** False when it cannot be a token we issued: it then matches no cart, unhashed. */
	wellFormed: boolean;
}

/** The guest cart token of this request: the `X-Cart-Token` header wins over the cookie. */
export function presentedCartToken(
	c: Context<AppEnv>,
): PresentedCartToken | undefined {
	const header = c.req.header(CART_TOKEN_HEADER);
	const cookie = header === undefined ? getCookie(c, CART_COOKIE) : undefined;
	const token = header ?? cookie;
	if (token === undefined) return undefined;
	return {
		token,
		via: header === undefined ? "cookie" : "header",
		wellFormed: TOKEN_PATTERN.test(token),
	};
}

/** Sets the cart cookie, or slides its expiry on a write; Max-Age matches the purge. */
export function setCartCookie(c: Context<AppEnv>, token: string): void {
	setCookie(c, CART_COOKIE, token, {
		...cookieOptions(c),
		maxAge: GUEST_CART_TTL_DAYS * 24 * 60 * 60,
	});
}

export function clearCartCookie(c: Context<AppEnv>): void {
	deleteCookie(c, CART_COOKIE, cookieOptions(c));
}

/**
 * The guest cart a sign-in should merge, from `X-Cart-Token` or the vs_cart cookie. A token that
 * cannot be ours merges nothing (reported as `merged: false`) without touching the database.
 */
export async function guestCartToMerge(
	c: Context<AppEnv>,
): Promise<{ guestCart?: GuestCart; presented: boolean }> {
	const presented = presentedCartToken(c);
	if (!presented) return { presented: false };
	if (!presented.wellFormed) return { presented: true };
	return {
		presented: true,
		guestCart: { tokenHash: await sha256Hex(presented.token) },
	};
}

/**
 * `cartMerge` for a sign-in's response when a cart token came along. The cart cookie is cleared
 * either way: after a successful sign-in the guest cart is gone (merged) or never existed.
 */
export function cartMergeJson(
	c: Context<AppEnv>,
	presented: boolean,
	outcome: CartMergeOutcome | undefined,
) {
	if (!presented) return {};
	clearCartCookie(c);
	return { cartMerge: outcome ?? { merged: false, lines: 0, adjusted: [] } };
}

/**
 * Whose cart: the signed-in user's (a presented cart token is then ignored: merging happens at
 * login), else the guest cart of the presented token. `owner` is undefined when there is no cart
 * to look for: no token, or one that cannot be ours (it matches nothing, so it is not hashed).
 */
export async function cartOwnerOf(c: Context<AppEnv>): Promise<{
	owner?: CartOwner;
	presented?: PresentedCartToken;
}> {
	const user = c.get("user");
	if (user) return { owner: { kind: "user", userId: user.id } };
	const presented = presentedCartToken(c);
	if (!presented?.wellFormed) return { presented };
	return {
		owner: { kind: "guest", tokenHash: await sha256Hex(presented.token) },
		presented,
	};
}
