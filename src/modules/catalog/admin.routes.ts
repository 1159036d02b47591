import { createRouter } from "../../lib/router";
import { adminCategoryRoutes } from "./admin.categories.routes";
import { adminProductRoutes } from "./admin.products.routes";
import { adminStockRoutes } from "./admin.stock.routes";

/** Catalog administration, mounted under /v1/admin (admins only); each route declares its permission. */
export const adminCatalogRoutes = createRouter()
	.route("/", adminCategoryRoutes)
	.route("/", adminProductRoutes)
	.route("/", adminStockRoutes);
