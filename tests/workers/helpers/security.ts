import { describe, expect, it } from "vitest";
import { signToken } from "./auth";
import { call, expectError } from "./http";

export interface ProtectedRoute {
	method: string;
	/** A concrete path (ids filled in). */
	path: string;
	/** A valid body, so only authentication decides the outcome. */
	body?: unknown;
	/** The role the route requires beyond being signed in, if any. */
	role?: "admin";
}

type Fetcher = (
	path: string,
	init: RequestInit,
) => Response | Promise<Response>;

/**
 * The shared security cases (STYLE.md #15) over a list of protected routes: no token, a malformed
 * token, an expired token, and, for role-restricted routes, a valid customer token -> 403.
 */
export function protectedRouteCases(
	routes: ProtectedRoute[],
	fetcher: Fetcher = call,
): void {
	const request = (route: ProtectedRoute, headers: Record<string, string>) =>
		fetcher(route.path, {
			method: route.method,
			headers: {
				...headers,
				...(route.body === undefined
					? {}
					: { "Content-Type": "application/json" }),
			},
			body: route.body === undefined ? undefined : JSON.stringify(route.body),
		});

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
	});
}
