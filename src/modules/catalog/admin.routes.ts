import { createRouter } from "../../lib/router";
import { adminCategoryRoutes } from "./admin.categories.routes";
import { adminProductRoutes } from "./admin.products.routes";
import { adminStockRoutes } from "./admin.stock.routes";

/** Catalog administration under /v1/admin; every route declares its own permission. */
export const adminCatalogRoutes = createRouter()
	.route("/", adminCategoryRoutes)
	.route("/", adminProductRoutes)
	.route("/", adminStockRoutes);
