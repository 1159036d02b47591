import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../../app-env";
import { credentialCookie } from "../../lib/cookies";
import type { IssuedSession } from "./sessions.service";

const REFRESH_COOKIE = "vs_refresh";
/** The cookie goes only to the endpoints that consume it, never to the rest of the API. */
const REFRESH_COOKIE_PATH = "/v1/auth";

const cookieOptions = (c: Context<AppEnv>) =>
	credentialCookie(c, REFRESH_COOKIE_PATH);

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
		...cookieOptions(c),
		maxAge,
	});
}

export function clearRefreshCookie(c: Context<AppEnv>): void {
	deleteCookie(c, REFRESH_COOKIE, cookieOptions(c));
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
