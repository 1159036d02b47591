import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import {
	authUser,
	requirePermission,
	requireRole,
} from "../../src/middleware/auth";
import {
	bearer,
	register,
	signToken,
	tamperedToken,
	unsignedToken,
} from "./helpers/auth";
import { call, callWith, dbRoundTrips, expectError } from "./helpers/http";
import { protectedRouteCases } from "./helpers/security";

/** The real app plus admin-only probes: no admin route ships in this module yet. */
function adminProbe() {
	const app = createApp();
	app.get("/v1/probe/admin", requireRole("admin"), (c) =>
		c.json({ id: authUser(c).id }),
	);
	app.get("/v1/probe/users", requirePermission("users:read"), (c) =>
		c.json({ ok: true }),
	);
	return (path: string, init: RequestInit) =>
		callWith(env, path, init, { app, ownRoutes: true });
}

describe("role-restricted routes", () => {
	protectedRouteCases(
		[
			{ method: "GET", path: "/v1/probe/admin", role: "admin" },
			{ method: "GET", path: "/v1/probe/users", role: "admin" },
		],
		adminProbe(),
	);

	it("let an admin token through without touching the database", async () => {
		const token = await signToken({ role: "admin" });
		const res = await adminProbe()("/v1/probe/admin", {
			headers: bearer(token),
		});
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(0);
	});
});

describe("access token verification", () => {
	const me = (token: string) => call("/v1/me", { headers: bearer(token) });

	it("accepts a token the API issued", async () => {
		const { accessToken } = await register();
		expect((await me(accessToken)).status).toBe(200);
	});

	it("rejects an unsigned `alg: none` token", async () => {
		await expectError(await me(unsignedToken()), 401, "UNAUTHENTICATED");
	});

	it("rejects a token signed with another key", async () => {
		const key = new TextEncoder().encode(
			"another-secret-that-is-32-bytes-or-more!!",
		);
		await expectError(
			await me(await signToken({ key })),
			401,
			"UNAUTHENTICATED",
		);
	});

	it("rejects an expired token", async () => {
		const now = Math.floor(Date.now() / 1000);
		const res = await me(await signToken({ iat: now - 1000, exp: now - 100 }));
		expect((await expectError(res, 401, "UNAUTHENTICATED")).message).toMatch(
			/expired/i,
		);
	});

	it("rejects a genuine token whose role claim was edited to admin", async () => {
		const { accessToken } = await register();
		const forged = tamperedToken(accessToken, { role: "admin" });
		await expectError(await me(forged), 401, "UNAUTHENTICATED");
		const res = await adminProbe()("/v1/probe/admin", {
			headers: bearer(forged),
		});
		await expectError(res, 401, "UNAUTHENTICATED");
	});

	it("rejects a token for another audience or issuer", async () => {
		await expectError(
			await me(await signToken({ aud: "someone-else" })),
			401,
			"UNAUTHENTICATED",
		);
		await expectError(
			await me(await signToken({ iss: "someone-else" })),
			401,
			"UNAUTHENTICATED",
		);
	});

	it("rejects a token with an unknown role", async () => {
		await expectError(
			await me(await signToken({ role: "superuser" })),
			401,
			"UNAUTHENTICATED",
		);
	});

	it("answers 401 for a valid token whose account no longer exists", async () => {
		await expectError(await me(await signToken()), 401, "UNAUTHENTICATED");
	});
});

describe("GET /v1/openapi.json (auth and me)", () => {
	it("documents the auth and me routes, with the bearer scheme on protected ones", async () => {
		const doc = (await (await call("/v1/openapi.json")).json()) as {
			paths: Record<string, Record<string, { security?: unknown }>>;
			components: { securitySchemes: Record<string, unknown> };
		};
		expect(Object.keys(doc.paths)).toEqual(
			expect.arrayContaining([
				"/v1/auth/register",
				"/v1/auth/login",
				"/v1/auth/refresh",
				"/v1/auth/logout",
				"/v1/auth/logout-all",
				"/v1/auth/password/forgot",
				"/v1/auth/password/reset",
				"/v1/me",
				"/v1/me/password",
				"/v1/me/addresses",
				"/v1/me/addresses/{id}",
			]),
		);
		expect(doc.components.securitySchemes.bearer).toMatchObject({
			scheme: "bearer",
		});
		expect(doc.paths["/v1/me"]?.get?.security).toEqual([{ bearer: [] }]);
	});
});
