import { describe, expect, it } from "vitest";
import { register, STOREFRONT } from "../helpers/auth";
import { call, expectError, json } from "../helpers/http";

/**
 * OWASP API8:2023 Security Misconfiguration: headers, CORS and what errors reveal. The
 * CSP/X-Frame-Options/no-store headers per route class are in private-responses.test.ts,
 * production refusing local-only settings in config.test.ts.
 */
const LEAKS =
	/\bat \S+:\d+|node_modules|\/src\/|\.ts\b|select |insert |update |constraint|postgres|neon|127\.0\.0\.1|stack/i;

describe("API8 security misconfiguration", () => {
	it("sends the hardening headers on successes and errors alike, and no server fingerprint", async () => {
		for (const res of [
			await call("/v1/products"),
			await call("/v1/no-such-route"),
			await call("/v1/me"),
		]) {
			expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
			expect(res.headers.get("X-Frame-Options")).toBe("DENY");
			expect(res.headers.get("Content-Security-Policy")).toContain(
				"default-src 'none'",
			);
			expect(res.headers.get("Strict-Transport-Security")).toMatch(
				/max-age=\d+/,
			);
			expect(res.headers.get("X-Powered-By")).toBeNull();
			await res.arrayBuffer();
		}
	});

	it("allows only the configured storefront origins, credentials included only for them", async () => {
		const preflight = (origin: string) =>
			call("/v1/auth/refresh", {
				method: "OPTIONS",
				headers: {
					Origin: origin,
					"Access-Control-Request-Method": "POST",
					"Access-Control-Request-Headers": "content-type",
				},
			});
		const allowed = await preflight(STOREFRONT);
		expect(allowed.headers.get("Access-Control-Allow-Origin")).toBe(STOREFRONT);
		expect(allowed.headers.get("Access-Control-Allow-Credentials")).toBe(
			"true",
		);
		for (const origin of [
			"https://evil.example",
			"null",
			`${STOREFRONT}.evil.example`,
			"http://localhost:3000@evil.example",
			STOREFRONT.replace("http:", "https:"),
		]) {
			const res = await preflight(origin);
			expect(res.headers.get("Access-Control-Allow-Origin"), origin).toBeNull();
			const simple = await call("/v1/products", {
				headers: { Origin: origin },
			});
			expect(
				simple.headers.get("Access-Control-Allow-Origin"),
				origin,
			).toBeNull();
			await simple.arrayBuffer();
		}
	});

	it("reveals no stack, file, SQL or host in errors, whatever the cause", async () => {
		const { email } = await register();
		const responses = [
			await call("/v1/auth/login", {
				method: "POST",
				headers: { "Content-Type": "application/json" },
				body: "{",
			}),
			await call(
				"/v1/auth/register",
				json({ email, password: "violet-otter-harbour-42", name: "Dup" }),
			),
			await call("/v1/products/%00"),
			await call("/v1/products?limit=abc"),
			await call("/v1/orders/not-a-uuid"),
			await call("/v1/no-such-route"),
			await call("/v1/products", { method: "DELETE" }),
			await call("/v1/products", { method: "TRACE" }),
		];
		for (const res of responses) {
			expect(res.status).toBeGreaterThanOrEqual(400);
			expect(res.status).toBeLessThan(500);
			const text = await res.text();
			expect(text).not.toMatch(LEAKS);
			expect(JSON.parse(text)).toEqual({
				error: expect.objectContaining({
					code: expect.any(String),
					requestId: expect.any(String),
				}),
			});
		}
		// A taken email names the field only, not the constraint behind it.
		const dup = await call(
			"/v1/auth/register",
			json(
				{ email, password: "violet-otter-harbour-42", name: "Dup" },
				{ headers: { "CF-Connecting-IP": "2001:db8::77" } },
			),
		);
		await expectError(dup, 409, "EMAIL_TAKEN");
	});
});
