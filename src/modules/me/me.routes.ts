import { createRoute } from "@hono/zod-openapi";
import { ApiError, accountGone } from "../../lib/errors";
import {
	bearerAuth,
	errorResponses,
	jsonBody,
	jsonContent,
} from "../../lib/openapi";
import { revokeAccessTokens } from "../../lib/revocation";
import { createRouter } from "../../lib/router";
import {
	authUser,
	rejectRevokedToken,
	requireAuth,
} from "../../middleware/auth";
import { countAttempt, enforceRateLimits } from "../../middleware/rate-limit";
import {
	changePasswordBody,
	toUserJson,
	userSchema,
} from "../auth/auth.schemas";
import { changePassword } from "../auth/auth.service";
import { addressRoutes } from "./addresses.routes";
import { meSchema, updateMeBody } from "./me.schemas";
import { getProfileWithRecentOrders, updateProfile } from "./me.service";

const tags = ["me"];
const profile = jsonContent(
	userSchema,
	"the signed-in user's profile (no secrets)",
);

/** Everything under /v1/me: access token required, and every query is scoped to its user. */
const router = createRouter();
router.use("*", requireAuth());

export const meRoutes = router
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security: bearerAuth,
			summary: "The signed-in user's profile and most recent orders",
			description: "One database round trip. Never cached (`no-store`).",
			responses: {
				200: jsonContent(
					meSchema,
					"the profile (no secrets) and the last 5 orders",
				),
				...errorResponses("UNAUTHENTICATED"),
			},
		}),
		async (c) => {
			const me = await getProfileWithRecentOrders(c.var.services.db, {
				userId: authUser(c).id,
			});
			if (!me) throw accountGone();
			const { recentOrders, ...user } = me;
			c.header("Cache-Control", "no-store");
			return c.json({ ...toUserJson(user), recentOrders }, 200);
		},
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/",
			tags,
			security: bearerAuth,
			summary: "Update the signed-in user's name",
			middleware: [rejectRevokedToken("closed")] as const,
			request: { body: jsonBody(updateMeBody) },
			responses: {
				200: profile,
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"TOKEN_REVOKED",
					"DEPENDENCY_UNAVAILABLE",
				),
			},
		}),
		async (c) => {
			const user = await updateProfile(c.var.services.db, {
				userId: authUser(c).id,
				name: c.req.valid("json").name,
			});
			if (!user) throw accountGone();
			return c.json(toUserJson(user), 200);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/password",
			tags,
			security: bearerAuth,
			summary: "Change the password; every other session is revoked",
			middleware: [rejectRevokedToken("closed")] as const,
			description:
				"A wrong current password is 400 INVALID_CURRENT_PASSWORD (`details.field` = `currentPassword`; not a 401, so the session stays signed in); a weak new one 400 WEAK_PASSWORD. Wrong current passwords are rate limited per user (429). Every access token of the user issued so far, this one included, is revoked at once (guarded routes answer 401 TOKEN_REVOKED): refresh to continue (this session's refresh token still works).",
			request: { body: jsonBody(changePasswordBody) },
			responses: {
				204: { description: "changed" },
				...errorResponses(
					"VALIDATION_FAILED",
					"WEAK_PASSWORD",
					"UNAUTHENTICATED",
					"INVALID_CURRENT_PASSWORD",
					"TOKEN_REVOKED",
					"DEPENDENCY_UNAVAILABLE",
					"RATE_LIMITED",
				),
			},
		}),
		async (c) => {
			const user = authUser(c);
			const body = c.req.valid("json");
			// A stolen access token must not become unlimited guesses at the current password.
			const failures: ["password_user", string][] = [
				["password_user", user.id],
			];
			await enforceRateLimits(c, failures, "peek");
			const { services } = c.var;
			await changePassword(services.db, {
				revokeAccessTokens: (userId) => revokeAccessTokens(services, userId),
				hashRounds: services.config.PASSWORD_HASH_ROUNDS,
				userId: user.id,
				sessionId: user.sessionId,
				currentPassword: body.currentPassword,
				newPassword: body.newPassword,
			}).catch(async (err: unknown) => {
				if (err instanceof ApiError && err.code === "INVALID_CURRENT_PASSWORD")
					await countAttempt(c, failures);
				throw err;
			});
			return c.body(null, 204);
		},
	)
	.route("/addresses", addressRoutes);
