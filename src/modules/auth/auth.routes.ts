import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../lib/errors";
import { ACCESS_TOKEN_TTL_SECONDS, signAccessToken } from "../../lib/jwt";
import { log } from "../../lib/log";
import {
	bearerAuth,
	errorResponses,
	jsonBody,
	jsonContent,
	mayAlsoSet,
} from "../../lib/openapi";
import { revokeAccessTokens } from "../../lib/revocation";
import { createRouter } from "../../lib/router";
import { sha256Hex, TOKEN_PATTERN } from "../../lib/tokens";
import { authUser, requireAuth } from "../../middleware/auth";
import { requireAllowedOrigin } from "../../middleware/http";
import {
	clientNetwork,
	countAttempt,
	enforceRateLimits,
	rateLimitByIp,
} from "../../middleware/rate-limit";
import { cartMergeSchema } from "../cart/cart.schemas";
import {
	CART_TOKEN_HEADER,
	cartMergeJson,
	guestCartToMerge,
} from "../cart/cart-token";
import {
	loginBody,
	refreshBody,
	registerBody,
	sessionSchema,
	tokensSchema,
	toUserJson,
} from "./auth.schemas";
import { login, type PublicUser, registerUser } from "./auth.service";
import { passwordResetRoutes } from "./password-reset.routes";
import {
	clearRefreshCookie,
	presentedRefreshToken,
	setRefreshCookie,
} from "./session-cookie";
import {
	type IssuedSession,
	revokeAllSessions,
	revokeSessionByToken,
	rotateRefreshToken,
} from "./sessions.service";

/** Signs the access token and hands the refresh token over the way the client asked for. */
async function tokens(
	c: Context<AppEnv>,
	user: { id: string; role: PublicUser["role"] },
	session: IssuedSession,
	delivery: "cookie" | "body",
) {
	const accessToken = await signAccessToken(c.var.services.config, {
		id: user.id,
		role: user.role,
		sessionId: session.sessionId,
	});
	if (delivery === "cookie") setRefreshCookie(c, session);
	c.header("Cache-Control", "no-store");
	return {
		accessToken,
		expiresIn: ACCESS_TOKEN_TTL_SECONDS,
		...(delivery === "body" ? { refreshToken: session.refreshToken } : {}),
	};
}

const signedInSchema = sessionSchema.extend({
	cartMerge: cartMergeSchema.optional(),
});

const cartMergeDescription = `With a guest cart token (\`${CART_TOKEN_HEADER}\` or the vs_cart cookie), the guest cart is merged into the account's cart in the same database batch and the outcome reported as \`cartMerge\`.`;

const invalidRefresh = () =>
	new ApiError(
		"INVALID_REFRESH_TOKEN",
		"The refresh token is invalid, expired or revoked",
	);

const noContent = { 204: { description: "done" } };
const tags = ["auth"];

export const authRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/register",
			tags,
			...mayAlsoSet("Set-Cookie"),
			summary: "Create a customer account and sign in",
			description: cartMergeDescription,
			middleware: [rateLimitByIp("register_ip")] as const,
			request: { body: jsonBody(registerBody) },
			responses: {
				201: jsonContent(
					signedInSchema,
					"account created; refresh token set as cookie (or in the body)",
				),
				...errorResponses(
					"VALIDATION_FAILED",
					"WEAK_PASSWORD",
					"EMAIL_TAKEN",
					"RATE_LIMITED",
				),
			},
		}),
		async (c) => {
			const body = c.req.valid("json");
			const { guestCart, presented } = await guestCartToMerge(c);
			const { user, session, cartMerge } = await registerUser(
				c.var.services.db,
				{
					...body,
					guestCart,
					hashRounds: c.var.services.config.PASSWORD_HASH_ROUNDS,
					userAgent: c.req.header("User-Agent"),
				},
			);
			c.var.services.emails.sendLater(
				{
					template: "welcome",
					idempotencyKey: `welcome:${user.id}`,
					to: { email: user.email, name: user.name },
					data: {},
				},
				{ requestId: c.get("requestId") },
			);
			const issued = await tokens(c, user, session, body.refreshTokenDelivery);
			return c.json(
				{
					user: toUserJson(user),
					...issued,
					...cartMergeJson(c, presented, cartMerge),
				},
				201,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/login",
			tags,
			...mayAlsoSet("Set-Cookie"),
			summary: "Sign in with email and password",
			description: `Unknown email, wrong password and disabled account all answer the same 401 INVALID_CREDENTIALS. Rate limited per IP and per email. ${cartMergeDescription}`,
			middleware: [rateLimitByIp("login_ip")] as const,
			request: { body: jsonBody(loginBody) },
			responses: {
				200: jsonContent(
					signedInSchema,
					"signed in; refresh token set as cookie (or in the body)",
				),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_CREDENTIALS",
					"RATE_LIMITED",
				),
			},
		}),
		async (c) => {
			const body = c.req.valid("json");
			// Only failures count, per email from this client network, under a much higher per-email
			// ceiling: a third party guessing from elsewhere cannot lock the owner out (README).
			const emailKey = await sha256Hex(body.email.toLowerCase());
			const failures: ["login_email" | "login_email_all", string][] = [
				["login_email", `${emailKey}:${clientNetwork(c)}`],
				["login_email_all", emailKey],
			];
			await enforceRateLimits(c, failures, "peek");
			const { guestCart, presented } = await guestCartToMerge(c);
			const { user, session, cartMerge } = await login(c.var.services.db, {
				...body,
				guestCart,
				hashRounds: c.var.services.config.PASSWORD_HASH_ROUNDS,
				userAgent: c.req.header("User-Agent"),
			}).catch(async (err: unknown) => {
				if (err instanceof ApiError && err.code === "INVALID_CREDENTIALS")
					await countAttempt(c, failures);
				throw err;
			});
			const issued = await tokens(c, user, session, body.refreshTokenDelivery);
			return c.json(
				{
					user: toUserJson(user),
					...issued,
					...cartMergeJson(c, presented, cartMerge),
				},
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/refresh",
			tags,
			...mayAlsoSet("Set-Cookie"),
			summary: "Rotate the refresh token and get a new access token",
			description:
				"Browsers send the `vs_refresh` cookie and no body; native clients send `{refreshToken}` and get the successor in the body. Presenting an already-rotated token revokes its whole session. A cross-site `Origin` is refused (403).",
			middleware: [
				requireAllowedOrigin(),
				rateLimitByIp("refresh_ip"),
			] as const,
			request: { body: jsonBody(refreshBody, false) },
			responses: {
				200: jsonContent(
					tokensSchema,
					"new access token; refresh token rotated",
				),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_REFRESH_TOKEN",
					"FORBIDDEN",
					"RATE_LIMITED",
				),
			},
		}),
		async (c) => {
			const presented = presentedRefreshToken(
				c,
				c.req.valid("json").refreshToken,
			);
			if (!presented || !TOKEN_PATTERN.test(presented.token))
				throw invalidRefresh();
			const { db, config } = c.var.services;
			const rotate = () =>
				rotateRefreshToken(db, {
					refreshToken: presented.token,
					graceMs: config.REFRESH_REUSE_GRACE,
					secret: config.JWT_SECRET,
				});
			let result = await rotate();
			// Lost a race with a parallel refresh of the same token: its rotation has committed
			// now, so a second run finds the token within the grace window.
			if (!result.ok && result.raced) result = await rotate();
			if (!result.ok) {
				if (result.reuseDetected)
					log("warn", "refresh token reuse: session revoked", {
						requestId: c.get("requestId"),
					});
				throw invalidRefresh();
			}
			const issued = await tokens(
				c,
				result.user,
				result.session,
				presented.via,
			);
			return c.json(issued, 200);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/logout",
			tags,
			...mayAlsoSet("Set-Cookie"),
			summary: "End this session (idempotent) and clear the refresh cookie",
			description: "A cross-site `Origin` is refused (403).",
			middleware: [requireAllowedOrigin()] as const,
			request: { body: jsonBody(refreshBody, false) },
			responses: {
				...noContent,
				...errorResponses("VALIDATION_FAILED", "FORBIDDEN"),
			},
		}),
		async (c) => {
			const presented = presentedRefreshToken(
				c,
				c.req.valid("json").refreshToken,
			);
			if (presented && TOKEN_PATTERN.test(presented.token))
				await revokeSessionByToken(c.var.services.db, {
					refreshToken: presented.token,
				});
			clearRefreshCookie(c);
			return c.body(null, 204);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/logout-all",
			tags,
			...mayAlsoSet("Set-Cookie"),
			summary: "End every session of the signed-in user",
			description:
				"Refresh tokens stop working at once, and so do access tokens on guarded routes (admin, and writes to the account, addresses, cart, orders: 401 TOKEN_REVOKED); for reads they stay valid until they expire (at most 15 minutes). 503 DEPENDENCY_UNAVAILABLE (nothing changed) when the revocation store cannot be reached.",
			security: bearerAuth,
			middleware: [requireAuth()] as const,
			responses: {
				...noContent,
				...errorResponses("UNAUTHENTICATED", "DEPENDENCY_UNAVAILABLE"),
			},
		}),
		async (c) => {
			const userId = authUser(c).id;
			await revokeAccessTokens(c.var.services, userId);
			await revokeAllSessions(c.var.services.db, { userId });
			clearRefreshCookie(c);
			return c.body(null, 204);
		},
	)
	.route("/password", passwordResetRoutes);
