import { describe, expect, it } from "vitest";
import { createApp } from "../../../src/app";
import { call, expectError } from "../helpers/http";

/**
 * OWASP API9:2023 Improper Inventory Management: what is served is what is documented, one
 * version, no forgotten debug or documentation endpoints. The document is the inventory.
 */
interface OpenApiDocument {
	paths: Record<string, Record<string, unknown>>;
}

const doc = (await (await call("/v1/openapi.json")).json()) as OpenApiDocument;
// Paths are absolute; /health/* and the document itself are served outside the v1 router.
const documented = new Set(
	Object.entries(doc.paths)
		.filter(([path]) => path.startsWith("/v1/") && path !== "/v1/openapi.json")
		.flatMap(([path, ops]) =>
			Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
		),
);

describe("API9 improper inventory management", () => {
	it("documents every route the Worker serves under /v1 (and serves every documented one)", async () => {
		const served = new Set(
			createApp()
				.routes.filter(
					(r) =>
						r.path.startsWith("/v1/") &&
						!r.path.endsWith("*") &&
						r.method !== "ALL" &&
						r.path !== "/v1/openapi.json",
				)
				.map(
					(r) =>
						`${r.method} ${r.path.replaceAll(/:(\w+)(\{[^}]*\})?/g, "{$1}")}`,
				),
		);
		expect([...served].filter((r) => !documented.has(r)).sort()).toEqual([]);
		expect([...documented].filter((r) => !served.has(r)).sort()).toEqual([]);
		// The development mailbox answers 404 outside development (the last test).
		for (const route of [...documented].filter(
			(r) => r !== "GET /v1/dev/emails",
		)) {
			const [method, path] = route.split(" ") as [string, string];
			const res = await call(
				path.replaceAll(/\{[^}]+\}/g, "0190a6f0-0000-7000-8000-000000000000"),
				{
					method,
				},
			);
			const body = (await res.json().catch(() => ({}))) as {
				error?: { message?: string };
			};
			expect(body.error?.message ?? "", route).not.toMatch(/^No route for/);
		}
	});

	// `GET /docs` is the one, documented, API reference page (docs.test.ts); nothing else is.
	it("answers 404 in the envelope for other versions, documentation UIs and debug paths", async () => {
		for (const path of [
			"/v2/products",
			"/v0/products",
			"/V1/products",
			"/api/v1/products",
			"/v1.1/products",
			"/v1/docs",
			"/docs/v2",
			"/swagger",
			"/v1/swagger.json",
			"/openapi.json",
			"/v1/openapi.yaml",
			"/v1/graphql",
			"/debug",
			"/v1/debug/vars",
			"/.env",
			"/.git/config",
			"/metrics",
			"/health",
		])
			await expectError(await call(path), 404, "NOT_FOUND");
	});

	it("keeps the development mailbox out of every environment but development (a documented route answering 404)", async () => {
		expect(documented.has("GET /v1/dev/emails")).toBe(true);
		const error = await expectError(
			await call("/v1/dev/emails"),
			404,
			"NOT_FOUND",
		);
		expect(error.message).toMatch(/^No route for/);
	});
});
