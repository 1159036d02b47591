import { createRoute } from "@hono/zod-openapi";
import {
	errorResponses,
	jsonBody,
	jsonContent,
	bearerAuth as security,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { authUser, requirePermission } from "../../middleware/auth";
import { auditActionsByTarget } from "../admin/audit-actions";
import {
	adminUserDetailSchema,
	adminUserListQuery,
	adminUserListSchema,
	adminUserPatchSchema,
	adminUserSchema,
	auditLogQuery,
	auditLogSchema,
	userIdParams,
} from "./admin.users.schemas";
import {
	getUser,
	listAuditLog,
	listUsers,
	patchUser,
	sendPasswordReset,
} from "./admin.users.service";

const tags = ["admin: users"];
const canRead = requirePermission("users:read");
const canWrite = requirePermission("users:write");

/** /v1/admin/users: accounts, roles, access. */
export const adminUserRoutes = createRouter()
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security,
			summary: "Every account, newest first, in keyset pages",
			description:
				"Filters: `q` (email or name), `role`, `status`, `createdFrom`/`createdTo`. Each row carries its order count and spend per currency. One round trip.",
			middleware: canRead,
			request: { query: adminUserListQuery },
			responses: {
				200: jsonContent(adminUserListSchema, "a page of users"),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_CURSOR",
					"UNAUTHENTICATED",
					"FORBIDDEN",
				),
			},
		}),
		async (c) =>
			c.json(
				(await listUsers(c.var.services, c.req.valid("query"))) as never,
				200,
			),
	)
	.openapi(
		createRoute({
			method: "get",
			path: "/{id}",
			tags,
			security,
			summary: "One account: profile, addresses, recent orders, sessions",
			middleware: canRead,
			request: { params: userIdParams },
			responses: {
				200: jsonContent(adminUserDetailSchema, "the user"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
				),
			},
		}),
		async (c) =>
			c.json(
				(await getUser(c.var.services, c.req.valid("param").id)) as never,
				200,
			),
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/{id}",
			tags,
			security,
			summary: "Change an account's role, name, or disable/re-enable it",
			description:
				"Disabling revokes every session at once: refresh fails immediately. Disabling or demoting to customer also revokes the user's access tokens on guarded routes at once (admin routes and account, cart and order writes: 401 TOKEN_REVOKED); reads accept them until they expire (at most 15 minutes). 503 DEPENDENCY_UNAVAILABLE (nothing changed) when the revocation store cannot be reached. Re-enabling restores login. An admin cannot demote or disable themselves (409 CANNOT_CHANGE_SELF); the last active admin is never demoted or disabled (409 LAST_ADMIN, race-safe). Audited. One round trip.",
			middleware: canWrite,
			request: {
				params: userIdParams,
				body: jsonBody(adminUserPatchSchema),
			},
			responses: {
				200: jsonContent(adminUserSchema, "the user after the change"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"LAST_ADMIN",
					"CANNOT_CHANGE_SELF",
					"DEPENDENCY_UNAVAILABLE",
				),
			},
		}),
		async (c) =>
			c.json(
				(await patchUser(c.var.services, {
					userId: c.req.valid("param").id,
					actorId: authUser(c).id,
					requestId: c.var.requestId,
					patch: c.req.valid("json"),
				})) as never,
				200,
			),
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/{id}/password-reset",
			tags,
			security,
			summary: "Email the user a password reset link",
			description:
				"The self-service reset (a one-hour single-use token, emailed); admins never set passwords. A disabled account: 409 CONFLICT. Audited.",
			middleware: canWrite,
			request: { params: userIdParams },
			responses: {
				202: { description: "the email is on its way" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"FORBIDDEN",
					"NOT_FOUND",
					"CONFLICT",
				),
			},
		}),
		async (c) => {
			await sendPasswordReset(c.var.services, {
				userId: c.req.valid("param").id,
				actorId: authUser(c).id,
				requestId: c.var.requestId,
			});
			return c.body(null, 202);
		},
	);

/** /v1/admin/audit-log: every admin change, newest first. */
export const adminAuditRoutes = createRouter().openapi(
	createRoute({
		method: "get",
		path: "/",
		tags,
		security,
		summary: "The admin audit log, newest first, in keyset pages",
		description: `Every admin change (orders, users, the catalog, stock, shipping methods), each written in the statement or batch that makes the change: a refused or failed change leaves no row. Filters: \`actorId\`, \`action\`, \`targetType\`, \`targetId\`, \`from\` (inclusive)/\`to\` (exclusive). Actions by target type: ${auditActionsByTarget()}. One round trip.`,
		middleware: canRead,
		request: { query: auditLogQuery },
		responses: {
			200: jsonContent(auditLogSchema, "a page of audit entries"),
			...errorResponses(
				"VALIDATION_FAILED",
				"INVALID_CURSOR",
				"UNAUTHENTICATED",
				"FORBIDDEN",
			),
		},
	}),
	async (c) =>
		c.json(
			(await listAuditLog(c.var.services, c.req.valid("query"))) as never,
			200,
		),
);
