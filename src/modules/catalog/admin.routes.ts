import { createRouter } from "../../lib/router";
import { adminCategoryRoutes } from "./admin.categories.routes";
import { adminImageRoutes } from "./admin.images.routes";
import { adminInventoryRoutes } from "./admin.inventory.routes";
import { adminProductRoutes } from "./admin.products.routes";
import { adminVariantRoutes } from "./admin.variants.routes";

/** Catalog administration, mounted under /v1/admin (admins only); each route declares its permission. */
export const adminCatalogRoutes = createRouter()
	.route("/", adminCategoryRoutes)
	.route("/", adminProductRoutes)
	.route("/", adminVariantRoutes)
	.route("/", adminInventoryRoutes)
	.route("/", adminImageRoutes);
