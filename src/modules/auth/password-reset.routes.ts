import { createRoute, z } from "@hono/zod-openapi";
import { errorResponses, jsonBody, jsonContent } from "../../lib/openapi";
import { revokeAccessTokens } from "../../lib/revocation";
import { createRouter } from "../../lib/router";
import { sha256Hex } from "../../lib/tokens";
import {
	clientNetwork,
	enforceRateLimits,
	rateLimitByIp,
} from "../../middleware/rate-limit";
import { forgotBody, resetBody } from "./auth.schemas";
import {
	issuePasswordResetToken,
	resetPassword,
} from "./password-reset.service";

const noContent = { 204: { description: "done" } };
const tags = ["auth"];

/** /v1/auth/password: a forgotten password, reset through an emailed single-use token. */
export const passwordResetRoutes = createRouter()
	.openapi(
		createRoute({
			method: "post",
			path: "/forgot",
			tags,
			summary: "Email a password reset link if the account exists",
			description:
				"Always 202 with the same body, whether or not the account exists. The emailed token is valid for one hour and once. Rate limited per IP and per email.",
			middleware: [rateLimitByIp("forgot_ip")] as const,
			request: { body: jsonBody(forgotBody) },
			responses: {
				202: jsonContent(z.object({ message: z.string() }), "accepted"),
				...errorResponses("VALIDATION_FAILED", "RATE_LIMITED"),
			},
		}),
		async (c) => {
			const { email } = c.req.valid("json");
			// Per email from this client network, under a higher per-email ceiling (which caps the
			// mail a victim can be sent): someone elsewhere cannot use up the owner's own requests.
			const emailKey = await sha256Hex(email.toLowerCase());
			await enforceRateLimits(c, [
				["forgot_email", `${emailKey}:${clientNetwork(c)}`],
				["forgot_email_all", emailKey],
			]);
			const issued = await issuePasswordResetToken(c.var.services.db, {
				email,
			});
			if (issued)
				c.var.services.emails.sendLater(
					{
						template: "password_reset",
						idempotencyKey: `password_reset:${issued.tokenId}`,
						to: issued.to,
						data: {
							token: issued.token,
							expiresAt: issued.expiresAt.toISOString(),
						},
					},
					{ requestId: c.get("requestId") },
				);
			return c.json(
				{
					message:
						"If an account exists for this email, a password reset link is on its way.",
				},
				202,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/reset",
			tags,
			summary: "Set a new password with an emailed reset token",
			description:
				"The token works once (unknown, used or expired: 400 INVALID_RESET_TOKEN); every session of the account is revoked, and its access tokens stop working on guarded routes at once. 503 DEPENDENCY_UNAVAILABLE (nothing changed, the token still works) when the revocation store cannot be reached.",
			request: { body: jsonBody(resetBody) },
			responses: {
				...noContent,
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_RESET_TOKEN",
					"WEAK_PASSWORD",
					"DEPENDENCY_UNAVAILABLE",
				),
			},
		}),
		async (c) => {
			const { services } = c.var;
			await resetPassword(services.db, {
				...c.req.valid("json"),
				hashRounds: services.config.PASSWORD_HASH_ROUNDS,
				revokeAccessTokens: (userId) => revokeAccessTokens(services, userId),
			});
			return c.body(null, 204);
		},
	);
