import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../app-env";
import { sha256Hex, TOKEN_PATTERN } from "../../lib/tokens";

export const CART_COOKIE = "vs_cart";
export const CART_TOKEN_HEADER = "X-Cart-Token";
/** Guest carts untouched this long are purged; the cookie's sliding Max-Age matches it. */
export const GUEST_CART_TTL_DAYS = 30;

/**
 * Strict: the storefront's own requests carry it, no cross-site request ever does (cart writes
 * need no CSRF token). Path /v1 so login and register see it too, for the merge.
 */
const cookieOptions = {
	httpOnly: true,
	secure: true,
	sameSite: "Strict",
	path: "/v1",
} as const;

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

export const cartTokenHash = (token: string) => sha256Hex(token);

/** Sets the cart cookie, or slides its expiry on a write; Max-Age matches the purge. */
export function setCartCookie(c: Context<AppEnv>, token: string): void {
	setCookie(c, CART_COOKIE, token, {
		...cookieOptions,
		maxAge: GUEST_CART_TTL_DAYS * 24 * 60 * 60,
	});
}

export function clearCartCookie(c: Context<AppEnv>): void {
	deleteCookie(c, CART_COOKIE, cookieOptions);
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
		owner: { kind: "guest", tokenHash: await cartTokenHash(presented.token) },
		presented,
	};
}
