/**
 * Every action an admin change writes to `admin_audit_log`, with the kind of record it names as
 * its target. The audit log's `action` and `targetType` filters accept exactly these (the
 * OpenAPI document lists them), and audit rows built with auditSql can only use them.
 */
export const AUDIT_ACTIONS = {
	"order.note": "order",
	"order.fulfil": "order",
	"order.deliver": "order",
	"order.refund": "order",
	"order.cancel": "order",
	"user.update": "user",
	"user.password_reset": "user",
	"category.create": "category",
	"category.update": "category",
	"category.move": "category",
	"category.delete": "category",
	"product.create": "product",
	"product.update": "product",
	"product.delete": "product",
	"option.rename": "product",
	"option.rename_value": "product",
	"option.reorder_values": "product",
	"option.delete": "product",
	"image.reorder": "product",
	"variant.create": "variant",
	"variant.update": "variant",
	"variant.delete": "variant",
	"inventory.adjust": "variant",
	"image.upload": "image",
	"image.update": "image",
	"image.delete": "image",
	"shipping_method.create": "shipping_method",
	"shipping_method.update": "shipping_method",
	"shipping_method.delete": "shipping_method",
} as const;

export type AuditAction = keyof typeof AUDIT_ACTIONS;
export type AuditTargetType = (typeof AUDIT_ACTIONS)[AuditAction];

export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as [
	AuditAction,
	...AuditAction[],
];

export const AUDIT_TARGET_TYPES = [
	...new Set(Object.values(AUDIT_ACTIONS)),
] as [AuditTargetType, ...AuditTargetType[]];

/** `order: \`order.note\`, …; user: …`, for the documentation. */
export function auditActionsByTarget(): string {
	const byTarget = new Map<string, string[]>();
	for (const [action, target] of Object.entries(AUDIT_ACTIONS))
		byTarget.set(target, [...(byTarget.get(target) ?? []), `\`${action}\``]);
	return [...byTarget]
		.map(([target, actions]) => `${target}: ${actions.join(", ")}`)
		.join("; ");
}
