import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { errorResponse, notFound, onError } from "./lib/error-handler";
import { ApiError } from "./lib/errors";
import { createRouter } from "./lib/router";
import { dependencies, requestLog } from "./middleware/context";
import { corsFromConfig, limitBody } from "./middleware/http";
import { authRoutes } from "./modules/auth/auth.routes";
import { devMailboxRoutes } from "./modules/emails/dev-mailbox.routes";
import { healthRoutes } from "./modules/health/health.routes";
import { meRoutes } from "./modules/me/me.routes";

/**
 * Builds the whole API: middleware, modules under /v1, one error handler. A factory so tests
 * can build an app of their own; the Worker builds one per isolate.
 */
export function createApp() {
	/** Everything under /v1; each module mounts its router here. */
	const v1 = createRouter()
		.route("/auth", authRoutes)
		.route("/me", meRoutes)
		.route("/dev", devMailboxRoutes);
	v1.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
		type: "http",
		scheme: "bearer",
		bearerFormat: "JWT",
		description: "Access token from /v1/auth/login, /register or /refresh",
	});
	v1.doc31("/openapi.json", (c) => ({
		openapi: "3.1.0",
		info: { title: "VoidShop API", version: "1.0.0" },
		servers: [{ url: `${new URL(c.req.url).origin}/v1` }],
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
	app.use(limitBody());
	app.onError(onError);
	app.notFound(notFound);

	return app.route("/health", healthRoutes).route("/v1", v1);
}

/** The typed route tree, for storefronts' `hc<AppType>()` clients. */
export type AppType = ReturnType<typeof createApp>;
