import { describe, expect, it } from "vitest";
import { bearer, register } from "../helpers/auth";
import { call, dbRoundTrips, expectError } from "../helpers/http";
import { protectedRoutes } from "../helpers/security";

/**
 * OWASP API5:2023 Broken Function Level Authorization. security.test.ts runs the shared cases
 * (no token, bad token, expired token, customer → 403) over every protected route the OpenAPI
 * document lists, and checks the /admin mount closes a route that forgot its own guard. Here: a
 * real customer's session against every admin function, with a body, decided before any work;
 * and the usual ways around a path- or method-based check.
 */
const routes = await protectedRoutes();
const adminRoutes = routes.filter((r) => r.role === "admin");

describe("API5 broken function level authorization", () => {
	it("a signed-in customer gets 403 from every admin route, with a body, before any database work", async () => {
		expect(adminRoutes.length).toBeGreaterThan(30);
		const { accessToken } = await register();
		for (const route of adminRoutes) {
			const res = await call(route.path, {
				method: route.method,
				headers: { ...bearer(accessToken), "Content-Type": "application/json" },
				body:
					route.method === "GET"
						? undefined
						: JSON.stringify({ role: "admin", status: "active", name: "x" }),
			});
			expect(dbRoundTrips(res), `${route.method} ${route.path}`).toBe(0);
			await expectError(res, 403, "FORBIDDEN");
		}
	});

	it("path spellings and method overrides do not reach an admin function", async () => {
		const { accessToken } = await register();
		const headers = bearer(accessToken);
		for (const path of [
			"/v1/ADMIN/users",
			"/v1/Admin/users",
			"/v1//admin/users",
			"/v1/admin//users",
			"/v1/admin/users/",
			"/v1/./admin/users",
			"/v1/me/../admin/users",
			"/v1/%61dmin/users",
			"/v1/admin%2Fusers",
			"/v1/admin/users;x",
			"/v1/admin/users%00",
		]) {
			const res = await call(path, { headers });
			expect([401, 403, 404, 400], path).toContain(res.status);
			expect(
				((await res.json()) as { error?: unknown }).error,
				path,
			).toBeDefined();
		}
		for (const override of ["GET", "DELETE", "PATCH"]) {
			const res = await call("/v1/me", {
				method: "POST",
				headers: {
					...headers,
					"X-HTTP-Method-Override": override,
					"X-HTTP-Method": override,
					"X-Method-Override": override,
				},
			});
			// POST /v1/me does not exist; the override headers are not honoured.
			await expectError(res, 405, "METHOD_NOT_ALLOWED");
		}
	});
});
