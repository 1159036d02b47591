import { describe, expect, it } from "vitest";
import { newAdmin } from "../helpers/admin";
import {
	bearer,
	PASSWORD,
	register,
	uniqueEmail,
	uniqueIp,
} from "../helpers/auth";
import { call, expectError, json } from "../helpers/http";

/**
 * OWASP API4:2023 Unrestricted Resource Consumption: bodies, pages and request rates are bounded.
 * Cart size (CART_FULL, QUANTITY_LIMIT) is in cart.add.test.ts, login/forgot/password-change
 * limits in auth.rate-limit.test.ts and auth.password.test.ts, image size in
 * catalog.image-upload.test.ts; dependency deadlines in faults.test.ts.
 */
describe("API4 unrestricted resource consumption", () => {
	it("answers 413 PAYLOAD_TOO_LARGE for a body over MAX_BODY_BYTES (64 KiB in tests), declared or streamed", async () => {
		const { accessToken } = await register();
		const big = JSON.stringify({ name: "x".repeat(70_000) });
		await expectError(
			await call("/v1/me", {
				method: "PATCH",
				headers: { ...bearer(accessToken), "Content-Type": "application/json" },
				body: big,
			}),
			413,
			"PAYLOAD_TOO_LARGE",
		);
		// No Content-Length to trust: the limit counts the bytes as they arrive.
		const stream = new ReadableStream({
			start(controller) {
				for (let i = 0; i < 20; i++)
					controller.enqueue(new TextEncoder().encode("x".repeat(4096)));
				controller.close();
			},
		});
		await expectError(
			await call("/v1/auth/login", {
				method: "POST",
				headers: {
					"Content-Type": "application/json",
					"CF-Connecting-IP": uniqueIp(),
				},
				body: stream,
				// @ts-expect-error: workerd needs duplex for a streamed request body
				duplex: "half",
			}),
			413,
			"PAYLOAD_TOO_LARGE",
		);
	});

	it("caps every page size: above the documented maximum is a 400, never a bigger page", async () => {
		const admin = await newAdmin();
		const { accessToken } = await register();
		for (const [path, headers] of [
			["/v1/products?limit=101", {}],
			["/v1/products?limit=100000", {}],
			["/v1/orders?limit=51", bearer(accessToken)],
			["/v1/admin/orders?limit=101", admin.headers],
			["/v1/admin/users?limit=101", admin.headers],
			["/v1/admin/products?limit=101", admin.headers],
			["/v1/admin/audit-log?limit=101", admin.headers],
			["/v1/admin/inventory/low-stock?limit=501", admin.headers],
			["/v1/admin/inventory/low-stock?limit=9999999999", admin.headers],
		] as const)
			await expectError(
				await call(path, { headers }),
				400,
				"VALIDATION_FAILED",
			);
		const res = await call("/v1/products?limit=100");
		expect(res.status).toBe(200);
		expect(
			((await res.json()) as { data: unknown[] }).data.length,
		).toBeLessThanOrEqual(100);
	});

	it("bounds search text: over 4096 characters is a 400", async () => {
		await expectError(
			await call(`/v1/products?q=${"a".repeat(4097)}`),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await call(`/v1/search/suggest?q=${"a".repeat(4097)}`),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("rate-limits registrations per client network (10/h in tests) with 429 and Retry-After", async () => {
		const ip = uniqueIp();
		const statuses: number[] = [];
		let limited: Response | undefined;
		for (let i = 0; i < 11; i++) {
			const res = await call(
				"/v1/auth/register",
				json(
					{ email: uniqueEmail("flood"), password: PASSWORD, name: "Flood" },
					{ headers: { "CF-Connecting-IP": ip } },
				),
			);
			statuses.push(res.status);
			if (res.status === 429) limited = res;
			else await res.arrayBuffer();
		}
		expect(statuses.filter((s) => s === 201)).toHaveLength(10);
		expect(statuses[10]).toBe(429);
		expect(limited?.headers.get("Retry-After")).toMatch(/^\d+$/);
		await expectError(limited as Response, 429, "RATE_LIMITED");
	});
});
