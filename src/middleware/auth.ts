import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, AuthUser } from "../app-env";
import { ApiError } from "../lib/errors";
import { verifyAccessToken } from "../lib/jwt";
import { hasPermission, type Permission } from "../lib/permissions";

async function authenticate(c: Context<AppEnv>): Promise<AuthUser> {
	const existing = c.get("user");
	if (existing) return existing;
	const header = c.req.header("Authorization");
	const match = header
		? /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/.exec(header)
		: null;
	if (!match?.[1]) {
		throw new ApiError(
			"UNAUTHENTICATED",
			"Authentication required",
			undefined,
			{
				"WWW-Authenticate": 'Bearer realm="voidshop"',
			},
		);
	}
	const user = await verifyAccessToken(c.var.services.config, match[1]);
	c.set("user", user);
	return user;
}

/** A valid access token is required; the user is set on the context. No database round trip. */
export const requireAuth = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		await authenticate(c);
		await next();
	});

/**
 * Routes open to guests and users alike (the cart): no Authorization header means a guest; a
 * header that is present must verify, so a bad or expired token is a 401, never a silent guest.
 */
export const optionalAuth = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		if (c.req.header("Authorization") !== undefined) await authenticate(c);
		await next();
	});

/** Authenticates if needed (so registration order never matters), then requires a permission. */
export const requirePermission = (permission: Permission) =>
	createMiddleware<AppEnv>(async (c, next) => {
		const user = await authenticate(c);
		if (!hasPermission(user, permission))
			throw new ApiError(
				"FORBIDDEN",
				"You do not have access to this resource",
			);
		await next();
	});

/** Shorthand for routes that are role-wide, e.g. `admin.use("*", requireRole("admin"))`. */
export const requireRole = (role: AuthUser["role"]) =>
	createMiddleware<AppEnv>(async (c, next) => {
		const user = await authenticate(c);
		if (user.role !== role)
			throw new ApiError(
				"FORBIDDEN",
				"You do not have access to this resource",
			);
		await next();
	});

/** The authenticated user in a handler behind requireAuth/requireRole/requirePermission. */
export function authUser(c: Context<AppEnv>): AuthUser {
	const user = c.get("user");
	if (!user) throw new Error("authUser() used on a route without requireAuth");
	return user;
}
