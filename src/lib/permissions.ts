import type { AuthUser } from "../app-env";

/**
 * Permissions as `resource:action` strings granted to roles, so finer roles (e.g. support,
 * inventory clerk) can be added later without touching route code.
 */
const ROLE_PERMISSIONS = {
	customer: [],
	admin: [
		"catalog:write",
		"inventory:write",
		"orders:read",
		"orders:write",
		"refunds:write",
		"shipping:write",
		"users:read",
		"users:write",
	],
} as const satisfies Record<AuthUser["role"], readonly string[]>;

export type Permission = (typeof ROLE_PERMISSIONS)["admin"][number];

export function hasPermission(user: AuthUser, permission: Permission): boolean {
	return (ROLE_PERMISSIONS[user.role] as readonly string[]).includes(
		permission,
	);
}
