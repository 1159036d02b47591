import { createMiddleware } from "hono/factory";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env";
import { errorResponse, notFound, onError } from "./lib/error-handler";
import { ApiError } from "./lib/errors";
import {
	openApiDocument,
	registerContractComponents,
} from "./lib/openapi-document";
import { createRouter } from "./lib/router";
import { requestContext } from "./middleware/context";
import { corsFromConfig, limitBody } from "./middleware/http";
import { adminRoutes } from "./modules/admin/admin.routes";
import { authRoutes } from "./modules/auth/auth.routes";
import { cartRoutes } from "./modules/cart/cart.routes";
import { catalogRoutes } from "./modules/catalog/catalog.routes";
import { docsRoutes } from "./modules/docs/docs.routes";
import { devMailboxRoutes } from "./modules/emails/dev-mailbox.routes";
import { healthRoutes } from "./modules/health/health.routes";
import { meRoutes } from "./modules/me/me.routes";
import { orderCancelRoutes } from "./modules/orders/cancel.routes";
import { checkoutRoutes } from "./modules/orders/checkout.routes";
import { orderRoutes } from "./modules/orders/orders.routes";
import { webhookRoutes } from "./modules/payments/webhooks.routes";
import { shippingRoutes } from "./modules/shipping/shipping.routes";

/**
 * Builds the whole API: middleware, modules under /v1, one error handler. A factory so tests
 * can build an app of their own; the Worker builds one per isolate.
 */
export function createApp() {
	/** Everything under /v1; each module mounts its router here. */
	const v1 = createRouter()
		.route("/auth", authRoutes)
		.route("/me", meRoutes)
		.route("/cart", cartRoutes)
		.route("/orders", checkoutRoutes)
		.route("/dev", devMailboxRoutes)
		.route("/", catalogRoutes)
		.route("/admin", adminRoutes)
		.route("/orders", orderRoutes)
		.route("/orders", orderCancelRoutes)
		.route("/shipping-methods", shippingRoutes)
		.route("/webhooks", webhookRoutes);
	v1.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
		type: "http",
		scheme: "bearer",
		bearerFormat: "JWT",
		description: "Access token from /v1/auth/login, /register or /refresh",
	});
	v1.openAPIRegistry.registerComponent("securitySchemes", "cartToken", {
		type: "apiKey",
		in: "header",
		name: "X-Cart-Token",
		description:
			"Guest cart token from POST /v1/cart/items (or the vs_cart cookie)",
	});

	const app = createRouter();
	app.use(requestId({ limitLength: 128 }));
	// A JSON API: nothing may be framed, and a response rendered as a document loads nothing.
	// A handler that sets one of these headers itself keeps it (images: a cross-origin
	// Cross-Origin-Resource-Policy; /docs: a CSP that lets the docs page load its script).
	app.use(
		secureHeaders({
			overwrite: false,
			xFrameOptions: "DENY",
			contentSecurityPolicy: {
				defaultSrc: ["'none'"],
				frameAncestors: ["'none'"],
			},
		}),
	);
	app.use(requestContext());
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
	app.use(limitBody());
	// Personal and admin answers must never be stored by a browser or a shared cache.
	for (const path of PRIVATE_PATHS) app.use(path, noStore);
	app.onError(onError);
	app.notFound(notFound);

	const api = app
		.route("/health", healthRoutes)
		.route("/docs", docsRoutes)
		.route("/v1", v1);
	registerContractComponents(api);
	// The whole API (/health and /v1), completed by lib/openapi-document.ts. The server URL is
	// configuration, never the request's Host (which a client or a cache could choose).
	// Built once per isolate and server URL: the document is fixed once the routes are, and
	// building it costs 25–35 ms of CPU that an unauthenticated caller could make us spend at will.
	let served:
		| { serverUrl: string; doc: ReturnType<typeof openApiDocument> }
		| undefined;
	api.get("/v1/openapi.json", (c) => {
		const serverUrl = c.var.services.config.PUBLIC_API_URL ?? "/";
		if (served?.serverUrl !== serverUrl)
			served = { serverUrl, doc: openApiDocument(api, serverUrl) };
		return c.json(served.doc);
	});
	return api;
}

const PRIVATE_PATHS = [
	"/v1/me",
	"/v1/me/*",
	"/v1/cart",
	"/v1/cart/*",
	"/v1/admin/*",
	"/v1/orders",
	"/v1/orders/*",
];

const noStore = createMiddleware<AppEnv>(async (c, next) => {
	await next();
	c.header("Cache-Control", "no-store");
});

/** The typed route tree, for storefronts' `hc<AppType>()` clients. */
export type AppType = ReturnType<typeof createApp>;
