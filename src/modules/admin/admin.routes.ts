import { createRouter } from "../../lib/router";
import { rejectRevokedToken, requireRole } from "../../middleware/auth";
import { adminProductListRoutes } from "../catalog/admin.product-list.routes";
import { adminCatalogRoutes } from "../catalog/admin.routes";
import { adminOrderRoutes } from "../orders/admin.orders.routes";
import { adminShippingRoutes } from "../shipping/admin.shipping.routes";
import { adminStatsRoutes } from "../stats/admin.stats.routes";
import { adminAuditRoutes, adminUserRoutes } from "../users/admin.users.routes";

/**
 * Everything under /v1/admin. The mount itself requires an admin (401 without a valid token,
 * 403 for anyone else), so an admin route that forgets its own permission is still closed; each
 * route also declares the finer permission it needs (requirePermission), for roles to come.
 * Every admin request checks the revocation marker, failing closed: a demoted or disabled
 * admin's token stops at once, and while Redis cannot answer admin requests get 503.
 */
const router = createRouter();
router.use("*", requireRole("admin"), rejectRevokedToken("closed"));

export const adminRoutes = router
	.route("/", adminCatalogRoutes)
	.route("/shipping-methods", adminShippingRoutes)
	.route("/orders", adminOrderRoutes)
	.route("/users", adminUserRoutes)
	.route("/audit-log", adminAuditRoutes)
	.route("/stats", adminStatsRoutes)
	.route("/products", adminProductListRoutes);
