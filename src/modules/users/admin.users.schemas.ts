import { z } from "@hono/zod-openapi";
import { safeText, uintParam } from "../../lib/validation";
import { AUDIT_ACTION_NAMES, AUDIT_TARGET_TYPES } from "../admin/audit-actions";
import { addressSchema } from "../me/me.schemas";

const isoTime = z.iso.datetime();
const role = z.enum(["customer", "admin"]);

export const adminUserSchema = z
	.object({
		id: z.uuid(),
		email: z.string(),
		name: z.string(),
		role,
		status: z.enum(["active", "disabled"]),
		disabledAt: isoTime.nullable(),
		createdAt: isoTime,
	})
	.openapi("AdminUser");

export const adminUserRowSchema = adminUserSchema
	.extend({
		orderCount: z.number().int(),
		totalSpent: z
			.array(z.object({ currency: z.string(), amount: z.number().int() }))
			.openapi({
				description: "Per currency: paid orders net of refunds, minor units",
			}),
	})
	.openapi("AdminUserRow");

export const adminUserListSchema = z.object({
	data: z.array(adminUserRowSchema),
	nextCursor: z.string().nullable(),
});

export const adminUserDetailSchema = adminUserSchema
	.extend({
		addresses: z.array(
			addressSchema.omit({ createdAt: true, updatedAt: true }),
		),
		recentOrders: z.array(
			z.object({
				id: z.uuid(),
				number: z.string(),
				status: z.string(),
				currency: z.string(),
				total: z.number().int(),
				placedAt: isoTime,
			}),
		),
		sessions: z
			.array(
				z.object({
					id: z.uuid(),
					createdAt: isoTime,
					expiresAt: isoTime,
					lastUsedAt: isoTime.nullable().openapi({
						description:
							"The latest sign-in or refresh (access tokens are checked without the database)",
					}),
					revokedAt: isoTime.nullable(),
					revokedReason: z.string().nullable(),
					userAgent: z.string().nullable().openapi({
						description:
							"The device: the User-Agent that signed in (first 256 characters)",
					}),
				}),
			)
			.openapi({ description: "Newest first; no token material" }),
	})
	.openapi("AdminUserDetail");

const limit = uintParam(100)
	.pipe(z.number().min(1))
	.default(20)
	.openapi({ type: "integer", minimum: 1, maximum: 100, default: 20 });

export const adminUserListQuery = z.strictObject({
	q: safeText(200)
		.transform((s) => s.trim())
		.pipe(z.string().min(1))
		.optional()
		.openapi({ description: "Email or name, substring" }),
	role: role.optional(),
	status: z.enum(["active", "disabled"]).optional(),
	createdFrom: isoTime.optional(),
	createdTo: isoTime.optional().openapi({ description: "Exclusive" }),
	limit,
	cursor: z.string().max(512).optional(),
});

export const userIdParams = z.object({
	id: z.uuid().openapi({ param: { name: "id", in: "path" } }),
});

export const adminUserPatchSchema = z
	.strictObject({
		role: role.optional(),
		disabled: z.boolean().optional(),
		name: safeText(200)
			.transform((s) => s.trim())
			.pipe(z.string().min(1))
			.optional(),
	})
	.refine((p) => Object.keys(p).length > 0, "nothing to change")
	.openapi("AdminUserPatch");

export const auditEntrySchema = z
	.object({
		id: z.uuid(),
		actorId: z.uuid(),
		action: z.string().openapi({
			description: `What was done: ${AUDIT_ACTION_NAMES.join(", ")} (the list may grow)`,
			example: "product.update",
		}),
		targetType: z.string().openapi({
			description: `The kind of record changed: ${AUDIT_TARGET_TYPES.join(", ")} (the list may grow)`,
			example: "product",
		}),
		targetId: z.string().openapi({
			description:
				"The record's id (a shipping method's code, which is what the API addresses it by)",
		}),
		before: z.unknown().nullable().openapi({
			description:
				"The record before the change, where the statement had it: the deleted record, stock figures, the option's name and values, the user",
		}),
		after: z.unknown().nullable().openapi({
			description:
				'What the change set (the fields sent), or what it created; null for deletions (a delete that archived instead: `{"status": "archived"}`)',
		}),
		requestId: z.string().nullable(),
		at: isoTime,
	})
	.openapi("AdminAuditEntry");

export const auditLogSchema = z.object({
	data: z.array(auditEntrySchema),
	nextCursor: z.string().nullable(),
});

export const auditLogQuery = z.strictObject({
	actorId: z.uuid().optional(),
	action: z.enum(AUDIT_ACTION_NAMES).optional(),
	targetType: z.enum(AUDIT_TARGET_TYPES).optional(),
	targetId: z
		.string()
		.max(100)
		.regex(/^[\x21-\x7e]+$/)
		.optional(),
	from: isoTime.optional(),
	to: isoTime.optional(),
	limit,
	cursor: z.string().max(512).optional(),
});
