import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { uniqueIp } from "./helpers/auth";
import { freshProduct } from "./helpers/cart";
import { BASE, expectError, json } from "./helpers/http";

/** The Worker with a tight guest-cart limit (the test env's is loose: most tests share a client). */
function addAsNewGuest(
	variantId: string,
	ip: string,
	extra: Record<string, string> = {},
) {
	return createApp().request(
		`${BASE}/v1/cart/items`,
		json(
			{ variantId, quantity: 1 },
			{ headers: { "CF-Connecting-IP": ip, ...extra } },
		),
		{ ...env, RATE_LIMIT_GUEST_CART_IP: "3/1h" },
	);
}

describe("guest carts per client network", () => {
	it("a network creates at most RATE_LIMIT_GUEST_CART_IP guest carts, then 429 with Retry-After; other networks are unaffected", async () => {
		const product = await freshProduct([{ price: 500, onHand: 50 }]);
		const variantId = product.variants[0]?.id ?? "";
		// Two addresses of one IPv6 /64 are one network.
		const prefix = uniqueIp().split(":").slice(0, 4).join(":");
		const statuses = [];
		for (const host of ["1", "2", "3", "4"])
			statuses.push(
				(await addAsNewGuest(variantId, `${prefix}::${host}`)).status,
			);
		expect(statuses).toEqual([201, 201, 201, 429]);
		const refused = await addAsNewGuest(variantId, `${prefix}::5`);
		await expectError(refused, 429, "RATE_LIMITED");
		expect(refused.headers.get("Retry-After")).toMatch(/^\d+$/);
		expect((await addAsNewGuest(variantId, uniqueIp())).status).toBe(201);
	});

	it("adding to an existing guest cart is not a new cart and is not limited", async () => {
		const product = await freshProduct([{ price: 500, onHand: 50 }]);
		const variantId = product.variants[0]?.id ?? "";
		const ip = uniqueIp();
		const first = await addAsNewGuest(variantId, ip);
		const { cartToken } = (await first.json()) as { cartToken: string };
		for (let i = 0; i < 5; i++)
			expect(
				(await addAsNewGuest(variantId, ip, { "X-Cart-Token": cartToken }))
					.status,
			).toBe(201);
	});
});
