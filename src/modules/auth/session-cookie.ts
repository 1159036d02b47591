import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../lib/errors";
import type { IssuedSession } from "./auth.service";

export const REFRESH_COOKIE = "vs_refresh";
/** The cookie goes only to the endpoints that consume it, never to the rest of the API. */
export const REFRESH_COOKIE_PATH = "/v1/auth";

const cookieOptions = {
	httpOnly: true,
	secure: true,
	sameSite: "Strict",
	path: REFRESH_COOKIE_PATH,
} as const;

/** The cookie lives exactly as long as the session: Max-Age counts down to its absolute expiry. */
export function setRefreshCookie(
	c: Context<AppEnv>,
	session: IssuedSession,
): void {
	const maxAge = Math.max(
		0,
		Math.ceil((session.expiresAt.getTime() - Date.now()) / 1000),
	);
	setCookie(c, REFRESH_COOKIE, session.refreshToken, {
		...cookieOptions,
		maxAge,
	});
}

export function clearRefreshCookie(c: Context<AppEnv>): void {
	deleteCookie(c, REFRESH_COOKIE, cookieOptions);
}

/**
 * The refresh token of this request: from the JSON body (non-browser clients, which then get
 * the successor in the body) or else from the cookie (browsers, which get a new cookie).
 */
export function presentedRefreshToken(
	c: Context<AppEnv>,
	fromBody: string | undefined,
): { token: string; via: "body" | "cookie" } | undefined {
	if (fromBody) return { token: fromBody, via: "body" };
	const cookie = getCookie(c, REFRESH_COOKIE);
	return cookie ? { token: cookie, via: "cookie" } : undefined;
}

/**
 * Cookie-authenticated endpoints must not be drivable cross-site: a browser always sends
 * `Origin` on a POST, so one that is not a configured storefront origin is refused. Clients that
 * send no Origin (native apps, curl) are not browsers and carry no ambient cookie risk.
 */
export const requireAllowedOrigin = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		const origin = c.req.header("Origin");
		if (
			origin !== undefined &&
			!c.var.services.config.CORS_ORIGINS.includes(origin)
		)
			throw new ApiError(
				"FORBIDDEN",
				"This request's Origin is not an allowed storefront origin",
			);
		await next();
	});
