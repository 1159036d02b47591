import { except } from "hono/combine";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { errorResponse, notFound, onError } from "./lib/error-handler";
import { ApiError } from "./lib/errors";
import { createRouter } from "./lib/router";
import { dependencies, requestLog } from "./middleware/context";
import { corsFromConfig, limitBody } from "./middleware/http";
import { adminCatalogRoutes } from "./modules/catalog/admin.routes";
import { IMAGE_UPLOAD_PATH } from "./modules/catalog/admin.stock.routes";
import { catalogRoutes } from "./modules/catalog/catalog.routes";
import { devMailboxRoutes } from "./modules/emails/dev-mailbox.routes";
import { healthRoutes } from "./modules/health/health.routes";

/**
 * Builds the whole API: middleware, modules under /v1, one error handler. A factory so tests
 * can build an app of their own; the Worker builds one per isolate.
 */
export function createApp() {
	/** Everything under /v1; each module mounts its router here. */
	const v1 = createRouter()
		.route("/dev", devMailboxRoutes)
		.route("/", catalogRoutes)
		.route("/admin", adminCatalogRoutes);
	v1.doc31("/openapi.json", (c) => ({
		openapi: "3.1.0",
		info: { title: "VoidShop API", version: "1.0.0" },
		servers: [{ url: new URL(c.req.url).origin }],
	}));

	const app = createRouter();
	app.use(requestId({ limitLength: 128 }));
	app.use(requestLog());
	app.use(secureHeaders());
	app.use(dependencies());
	app.use(corsFromConfig());
	app.use(
		methodNotAllowed({
			app,
			onMethodNotAllowed: (c, methods) =>
				errorResponse(
					c,
					new ApiError(
						"METHOD_NOT_ALLOWED",
						`${c.req.method} is not allowed here`,
						{ allow: methods },
						{ Allow: methods.join(", ") },
					),
				),
		}),
	);
	// Image uploads carry their own 5 MB limit on the route; everything else gets the global one.
	app.use(except(IMAGE_UPLOAD_PATH, limitBody()));
	app.onError(onError);
	app.notFound(notFound);

	return app.route("/health", healthRoutes).route("/v1", v1);
}

/** The typed route tree, for storefronts' `hc<AppType>()` clients. */
export type AppType = ReturnType<typeof createApp>;
