import { describe, expect, it } from "vitest";
import { bearer, register, signToken } from "./helpers/auth";
import { admin } from "./helpers/catalog";
import { call, expectError } from "./helpers/http";

describe("security headers", () => {
	it("forbid framing and loading anything (CSP default-src 'none'; frame-ancestors 'none'; X-Frame-Options DENY)", async () => {
		const res = await call("/v1/products");
		expect(res.headers.get("Content-Security-Policy")).toBe(
			"default-src 'none'; frame-ancestors 'none'",
		);
		expect(res.headers.get("X-Frame-Options")).toBe("DENY");
	});
});

describe("Cache-Control: no-store on personal and admin answers", () => {
	it("is set on /v1/me, addresses, cart and admin responses, errors included", async () => {
		const user = await register();
		const auth = { headers: bearer(user.accessToken) };
		for (const res of [
			await call("/v1/me", auth),
			await call("/v1/me/addresses", auth),
			await call("/v1/cart", auth),
			await call("/v1/orders", auth),
			await admin("/v1/admin/categories"),
			await call("/v1/me"),
		])
			expect(res.headers.get("Cache-Control"), res.url).toBe("no-store");
	});
});

describe("access tokens", () => {
	it("answers 401 for a validly signed token whose subject is not a user id", async () => {
		for (const sub of ["not-a-uuid", "' or 1=1 --", ""]) {
			const token = await signToken({ sub });
			await expectError(
				await call("/v1/me", { headers: bearer(token) }),
				401,
				"UNAUTHENTICATED",
			);
			await expectError(
				await call("/v1/me/addresses", { headers: bearer(token) }),
				401,
				"UNAUTHENTICATED",
			);
		}
	});
});
