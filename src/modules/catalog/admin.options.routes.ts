import { createRoute } from "@hono/zod-openapi";
import {
	bearerAuth,
	errorResponses,
	jsonBody,
	jsonContent,
} from "../../lib/openapi";
import { createRouter } from "../../lib/router";
import { requirePermission } from "../../middleware/auth";
import { auditActor } from "../admin/audit-actor";
import {
	removeOption,
	renameOption,
	renameOptionValue,
	reorderOptionValues,
} from "./admin.options.service";
import {
	adminProductSchema,
	optionParams,
	optionRenameSchema,
	valueOrderSchema,
	valueRenameSchema,
} from "./admin.schemas";

const canWrite = requirePermission("catalog:write");
const tags = ["admin: catalog"];
const refusals = errorResponses(
	"VALIDATION_FAILED",
	"UNAUTHENTICATED",
	"FORBIDDEN",
	"NOT_FOUND",
	"CONFLICT",
);
const oneTrip =
	"One round trip (product locked, change, product read back); a refusal writes nothing. Answers the admin product.";

/** A product's options after creation: rename an option or a value, reorder values, remove. */
export const adminOptionRoutes = createRouter()
	.openapi(
		createRoute({
			method: "patch",
			path: "/products/{id}/options/{name}",
			tags,
			security: bearerAuth,
			summary: "Rename an option (on the product and in every variant)",
			description: `The name is matched case-insensitively; another option of that name: 409 CONFLICT. ${oneTrip}`,
			middleware: canWrite,
			request: { params: optionParams, body: jsonBody(optionRenameSchema) },
			responses: {
				200: jsonContent(adminProductSchema, "the product"),
				...refusals,
			},
		}),
		async (c) => {
			const { id, name } = c.req.valid("param");
			return c.json(
				await renameOption(
					c.var.services.db,
					{ productId: id, name, to: c.req.valid("json").name },
					auditActor(c),
				),
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "post",
			path: "/products/{id}/options/{name}/values/rename",
			tags,
			security: bearerAuth,
			summary:
				"Rename a value of an option (same place in the list, in every variant)",
			description: `Unknown \`from\`: 404; \`to\` already a value: 409 CONFLICT. ${oneTrip}`,
			middleware: canWrite,
			request: { params: optionParams, body: jsonBody(valueRenameSchema) },
			responses: {
				200: jsonContent(adminProductSchema, "the product"),
				...refusals,
			},
		}),
		async (c) => {
			const { id, name } = c.req.valid("param");
			return c.json(
				await renameOptionValue(
					c.var.services.db,
					{ productId: id, name, ...c.req.valid("json") },
					auditActor(c),
				),
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "put",
			path: "/products/{id}/options/{name}/values",
			tags,
			security: bearerAuth,
			summary: "Reorder an option's values",
			description: `\`values\` must list every current value exactly once (else 400). ${oneTrip}`,
			middleware: canWrite,
			request: { params: optionParams, body: jsonBody(valueOrderSchema) },
			responses: {
				200: jsonContent(adminProductSchema, "the product"),
				...refusals,
			},
		}),
		async (c) => {
			const { id, name } = c.req.valid("param");
			return c.json(
				await reorderOptionValues(
					c.var.services.db,
					{ productId: id, name, values: c.req.valid("json").values },
					auditActor(c),
				),
				200,
			);
		},
	)
	.openapi(
		createRoute({
			method: "delete",
			path: "/products/{id}/options/{name}",
			tags,
			security: bearerAuth,
			summary: "Remove an option that no longer tells variants apart",
			description: `Allowed when no variant, or every variant of the product (archived ones too), has the same value for it: the key leaves every variant. Otherwise 409 CONFLICT \`{field: "options", value: [values in use], reason: "in_use"}\`. ${oneTrip}`,
			middleware: canWrite,
			request: { params: optionParams },
			responses: {
				200: jsonContent(adminProductSchema, "the product"),
				...refusals,
			},
		}),
		async (c) => {
			const { id, name } = c.req.valid("param");
			return c.json(
				await removeOption(
					c.var.services.db,
					{ productId: id, name },
					auditActor(c),
				),
				200,
			);
		},
	);
