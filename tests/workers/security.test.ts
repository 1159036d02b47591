import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { BASE } from "./helpers/http";
import { protectedRouteCases, protectedRoutes } from "./helpers/security";

const routes = await protectedRoutes();

describe("the protected routes, as the OpenAPI document lists them", () => {
	it("include every admin route and the routes behind an access token", () => {
		expect(routes.filter((r) => r.role === "admin").length).toBeGreaterThan(15);
		expect(routes).toEqual(
			expect.arrayContaining([
				{ method: "POST", path: "/v1/admin/products", role: "admin" },
				{ method: "GET", path: "/v1/me" },
				{ method: "POST", path: "/v1/auth/logout-all" },
			]),
		);
		// Open to guests (bearer is one alternative among others): not in the list.
		expect(routes.map((r) => r.path)).not.toContain("/v1/cart");
	});
});

describe("every protected route", () => {
	protectedRouteCases(routes);
});

describe("the /v1/admin mount", () => {
	/** The real app plus an admin route that forgot its own auth middleware. */
	const app = createApp();
	app.get("/v1/admin/forgotten", (c) => c.json({ leaked: true }));
	protectedRouteCases(
		[{ method: "GET", path: "/v1/admin/forgotten", role: "admin" }],
		(path, init) => app.request(`${BASE}${path}`, init, env),
	);
});
