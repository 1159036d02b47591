import { describe, expect, it } from "vitest";
import { revokeAccessTokens } from "../../../src/lib/revocation";
import { signToken } from "./auth";
import { testServices } from "./db";
import { call, expectError } from "./http";

interface ProtectedRoute {
	method: string;
	/** A concrete path (path parameters filled in). */
	path: string;
	/** The role the route requires beyond being signed in, if any. */
	role?: "admin";
}

type Fetcher = (
	path: string,
	init: RequestInit,
) => Response | Promise<Response>;

interface OpenApiDocument {
	paths: Record<
		string,
		Record<string, { security?: Record<string, string[]>[] }>
	>;
}

/** Any UUID will do for a path parameter: authentication is decided before the route runs. */
const SOME_ID = "0190a6f0-0000-7000-8000-000000000000";

/**
 * Every protected route of the real Worker, read from its own /v1/openapi.json: each route under
 * /v1/admin (which the admin mount closes to admins) and each route whose every security
 * alternative requires the bearer token. A protected route is covered as soon as it is documented.
 */
export async function protectedRoutes(): Promise<ProtectedRoute[]> {
	const doc = (await (
		await call("/v1/openapi.json")
	).json()) as OpenApiDocument;
	return Object.entries(doc.paths).flatMap(([path, operations]) =>
		Object.entries(operations)
			.filter(
				([, op]) =>
					path.startsWith("/v1/admin/") ||
					(op.security?.length &&
						op.security.every((alternative) => "bearer" in alternative)),
			)
			.map(([method]) => ({
				method: method.toUpperCase(),
				path: path.replaceAll(/\{[^}]+\}/g, SOME_ID),
				...(path.startsWith("/v1/admin/") ? { role: "admin" as const } : {}),
			})),
	);
}

/**
 * The shared security cases over a list of protected routes: no token, a malformed token, an
 * expired token, and, for role-restricted routes, a valid customer token -> 403. No body is sent:
 * authentication must be decided before anything reads one.
 */
export function protectedRouteCases(
	routes: ProtectedRoute[],
	fetcher: Fetcher = call,
): void {
	const request = (route: ProtectedRoute, headers: Record<string, string>) =>
		fetcher(route.path, { method: route.method, headers });

	describe.each(routes)("$method $path", (route) => {
		it("answers 401 UNAUTHENTICATED without a token, with a WWW-Authenticate challenge", async () => {
			const res = await request(route, {});
			expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
			await expectError(res, 401, "UNAUTHENTICATED");
		});

		it("answers 401 for a malformed or non-bearer token", async () => {
			for (const authorization of [
				"Bearer not-a-jwt",
				"Bearer a.b.c",
				"Basic dXNlcjpwYXNz",
			]) {
				const res = await request(route, { Authorization: authorization });
				await expectError(res, 401, "UNAUTHENTICATED");
			}
		});

		it("answers 401 for an expired token", async () => {
			const now = Math.floor(Date.now() / 1000);
			const token = await signToken({ iat: now - 3600, exp: now - 1800 });
			const res = await request(route, { Authorization: `Bearer ${token}` });
			const error = await expectError(res, 401, "UNAUTHENTICATED");
			expect(error.message).toMatch(/expired/i);
		});

		if (route.role === "admin")
			it("answers 403 FORBIDDEN for a valid customer token", async () => {
				const token = await signToken({ role: "customer" });
				const res = await request(route, { Authorization: `Bearer ${token}` });
				await expectError(res, 403, "FORBIDDEN");
			});

		// The /v1/admin mount checks the revocation marker (probe apps of other tests do not).
		if (route.role === "admin" && route.path.startsWith("/v1/admin/"))
			it("answers 401 TOKEN_REVOKED for an admin token issued before its user's sessions ended", async () => {
				const sub = crypto.randomUUID();
				const token = await signToken({ role: "admin", sub });
				await revokeAccessTokens(testServices(), sub);
				const res = await request(route, { Authorization: `Bearer ${token}` });
				await expectError(res, 401, "TOKEN_REVOKED");
			});
	});
}
