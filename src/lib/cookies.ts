import type { Context } from "hono";
import type { AppEnv } from "../app-env";

/**
 * Options for the API's credential cookies (refresh token, guest cart token): unreadable by page
 * scripts, HTTPS only (browsers count http://localhost as secure), `path` scoping each cookie to
 * the routes that read it, and SameSite from `COOKIE_SAMESITE`: `Strict` (default) when the
 * storefront and the API are same-site, so no cross-site request ever carries one; `None` when
 * they are on different sites (see README, Storefront deployments).
 */
export function credentialCookie(c: Context<AppEnv>, path: string) {
	return {
		httpOnly: true,
		secure: true,
		sameSite: c.var.services.config.COOKIE_SAMESITE,
		path,
	} as const;
}
