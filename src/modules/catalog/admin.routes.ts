import { createRouter } from "../../lib/router";
import { adminCategoryRoutes } from "./admin.categories.routes";
import { adminImageRoutes } from "./admin.images.routes";
import { adminInventoryRoutes } from "./admin.inventory.routes";
import { adminOptionRoutes } from "./admin.options.routes";
import { adminProductRoutes } from "./admin.products.routes";
import { adminVariantRoutes } from "./admin.variants.routes";
import { purgeCatalogOnWrite } from "./catalog-version";

const router = createRouter();
// Every successful write here changes what shoppers see: a new public cache generation.
for (const path of ["/categories/*", "/products/*", "/variants/*", "/images/*"])
	router.use(path, purgeCatalogOnWrite());

/** Catalog administration, mounted under /v1/admin (admins only); each route declares its permission. */
export const adminCatalogRoutes = router
	.route("/", adminCategoryRoutes)
	.route("/", adminProductRoutes)
	.route("/", adminVariantRoutes)
	.route("/", adminOptionRoutes)
	.route("/", adminInventoryRoutes)
	.route("/", adminImageRoutes);
