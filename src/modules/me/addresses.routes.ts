import { createRoute } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import {
	bearerAuth,
	errorResponses,
	jsonBody,
	jsonContent,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import {
	authUser,
	rejectRevokedToken,
	requireAuth,
} from "../../middleware/auth";
import {
	addressIdParam,
	addressListQuery,
	addressListSchema,
	addressSchema,
	createAddressBody,
	updateAddressBody,
} from "./me.schemas";
import {
	type Address,
	createAddress,
	deleteAddress,
	listAddresses,
	MAX_ADDRESSES,
	updateAddress,
} from "./me.service";

const tags = ["me"];

const toJson = ({ userId: _, ...a }: Address) => ({
	...a,
	createdAt: a.createdAt.toISOString(),
	updatedAt: a.updatedAt.toISOString(),
});

/** Someone else's address and a missing one look the same: 404. */
const notFound = () => new ApiError("NOT_FOUND", "Address not found");

/** /v1/me/addresses: the signed-in user's saved addresses, always scoped by owner. */
const router = createRouter();
router.use("*", requireAuth());

export const addressRoutes = router
	.openapi(
		createRoute({
			method: "get",
			path: "/",
			tags,
			security: bearerAuth,
			summary: "List my addresses (newest first), in keyset pages",
			description:
				"`{data, nextCursor}` like every list: pass `nextCursor` back as `cursor` until it is null. One round trip.",
			request: { query: addressListQuery },
			responses: {
				200: jsonContent(addressListSchema, "a page of addresses"),
				...errorResponses(
					"VALIDATION_FAILED",
					"INVALID_CURSOR",
					"UNAUTHENTICATED",
				),
			},
		}),
		async (c) => {
			const page = await listAddresses(c.var.services.db, {
				userId: authUser(c).id,
				...c.req.valid("query"),
			});
			return c.json(
				{ data: page.data.map(toJson), nextCursor: page.nextCursor },
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/",
			tags,
			security: bearerAuth,
			summary: "Save an address",
			description: `An account keeps at most ${MAX_ADDRESSES} addresses (409 ADDRESS_LIMIT, decided by the database, race-safe). One round trip.`,
			middleware: [rejectRevokedToken("closed")] as const,
			request: { body: jsonBody(createAddressBody) },
			responses: {
				201: jsonContent(addressSchema, "created"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"TOKEN_REVOKED",
					"ADDRESS_LIMIT",
					"DEPENDENCY_UNAVAILABLE",
				),
			},
		}),
		async (c) => {
			const row = await createAddress(c.var.services.db, {
				userId: authUser(c).id,
				address: c.req.valid("json"),
			});
			return c.json(toJson(row), 201);
		},
	)
	.openapi(
		createRoute({
			method: "patch",
			path: "/{id}",
			tags,
			security: bearerAuth,
			summary: "Change one of my addresses",
			middleware: [rejectRevokedToken("closed")] as const,
			description: "Someone else's address is a 404, like a missing one.",
			request: { params: addressIdParam, body: jsonBody(updateAddressBody) },
			responses: {
				200: jsonContent(addressSchema, "updated"),
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"TOKEN_REVOKED",
					"DEPENDENCY_UNAVAILABLE",
					"NOT_FOUND",
				),
			},
		}),
		async (c) => {
			const row = await updateAddress(c.var.services.db, {
				userId: authUser(c).id,
				id: c.req.valid("param").id,
				changes: c.req.valid("json"),
			});
			if (!row) throw notFound();
			return c.json(toJson(row), 200);
		},
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/{id}",
			tags,
			security: bearerAuth,
			summary: "Delete one of my addresses",
			middleware: [rejectRevokedToken("closed")] as const,
			description: "Someone else's address is a 404, like a missing one.",
			request: { params: addressIdParam },
			responses: {
				204: { description: "deleted" },
				...errorResponses(
					"VALIDATION_FAILED",
					"UNAUTHENTICATED",
					"TOKEN_REVOKED",
					"DEPENDENCY_UNAVAILABLE",
					"NOT_FOUND",
				),
			},
		}),
		async (c) => {
			const deleted = await deleteAddress(c.var.services.db, {
				userId: authUser(c).id,
				id: c.req.valid("param").id,
			});
			if (!deleted) throw notFound();
			return c.body(null, 204);
		},
	);
