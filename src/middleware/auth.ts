import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv, AuthUser } from "../app-env";
import { ApiError } from "../lib/errors";
import { verifyAccessToken } from "../lib/jwt";
import { log } from "../lib/log";
import { hasPermission, type Permission } from "../lib/permissions";
import {
	isRevoked,
	revocationUnavailable,
	revokedBefore,
} from "../lib/revocation";

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

/**
 * What a guarded route does when Redis cannot say whether the token was revoked (error or
 * slower than REDIS_TIMEOUT_MS): `closed` answers 503 DEPENDENCY_UNAVAILABLE, `open` lets the
 * request through and logs a warning. README, "Sessions end when they should", lists the routes.
 */
export type RevocationPolicy = "closed" | "open";

/** Each request's check runs once, however many guarded middlewares it passes. */
const checked = new WeakMap<Context<AppEnv>, Promise<void>>();

/**
 * Refuses (401 TOKEN_REVOKED) an access token issued at or before its user's revocation marker
 * (sign-out everywhere, password change or reset, account disabled or demoted; lib/revocation.ts).
 * One Redis read, no database. Without an Authorization header it does nothing (a guest, or a
 * route whose requireAuth answers 401), so it may be registered in any order.
 */
export const rejectRevokedToken = (policy: RevocationPolicy) =>
	createMiddleware<AppEnv>(async (c, next) => {
		if (c.req.header("Authorization") === undefined) return next();
		const user = await authenticate(c);
		let check = checked.get(c);
		if (!check) {
			check = checkRevocation(c, user);
			checked.set(c, check);
		}
		await check.catch((err: unknown) => {
			if (err instanceof ApiError) throw err;
			if (policy === "closed") throw revocationUnavailable();
			log("warn", "revocation check failed; request allowed", {
				requestId: c.get("requestId"),
				error: err instanceof Error ? err.message : String(err),
			});
		});
		await next();
	});

async function checkRevocation(
	c: Context<AppEnv>,
	user: AuthUser,
): Promise<void> {
	const marker = await revokedBefore(c.var.services, user.id);
	if (isRevoked(user.issuedAtMs, marker))
		throw new ApiError(
			"TOKEN_REVOKED",
			"This access token was revoked (signed out everywhere, password or account changed); refresh it or sign in again",
			undefined,
			{ "WWW-Authenticate": 'Bearer realm="voidshop", error="invalid_token"' },
		);
}

/** The authenticated user in a handler behind requireAuth/requireRole/requirePermission. */
export function authUser(c: Context<AppEnv>): AuthUser {
	const user = c.get("user");
	if (!user) throw new Error("authUser() used on a route without requireAuth");
	return user;
}
