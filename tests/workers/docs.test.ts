import { describe, expect, it } from "vitest";
import { call, dbRoundTrips } from "./helpers/http";

describe("GET /docs", () => {
	it("serves the API reference page for /v1/openapi.json with a CSP of its own, no database work", async () => {
		const res = await call("/docs");
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
		expect(dbRoundTrips(res)).toBe(0);
		const html = await res.text();
		expect(html).toContain('"url": "/v1/openapi.json"');
		// The bundle is pinned and loaded by the browser, never served by the Worker.
		expect(html).toContain(
			'src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.72.1/dist/browser/standalone.js"',
		);
		const csp = res.headers.get("Content-Security-Policy") ?? "";
		const nonce = /script-src 'nonce-([A-Za-z0-9_-]{22})'/.exec(csp)?.[1];
		expect(nonce).toBeDefined();
		// Every script on the page carries this response's nonce; nothing else may run.
		const scripts = html.match(/<script\b[^>]*>/g) ?? [];
		expect(scripts.length).toBeGreaterThan(0);
		for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
		expect(csp).toContain("default-src 'none'");
		expect(csp).toContain("connect-src 'self'");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(res.headers.get("X-Frame-Options")).toBe("DENY");
		// A fresh nonce per response.
		const again = await call("/docs");
		expect(again.headers.get("Content-Security-Policy")).not.toBe(csp);
	});

	it("leaves the API's own CSP untouched everywhere else", async () => {
		for (const path of ["/v1/openapi.json", "/health/live", "/docs/nope"]) {
			const res = await call(path);
			expect(res.headers.get("Content-Security-Policy"), path).toBe(
				"default-src 'none'; frame-ancestors 'none'",
			);
		}
	});
});
