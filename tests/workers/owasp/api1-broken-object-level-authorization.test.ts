import { describe, expect, it } from "vitest";
import { bearer, register } from "../helpers/auth";
import {
	addItem,
	cartOf,
	newGuestCart,
	type Who,
	whoHeaders,
} from "../helpers/cart";
import { call, expectError, json } from "../helpers/http";
import { ADDRESS, placeOrder } from "../helpers/orders";

/**
 * OWASP API1:2023 Broken Object Level Authorization: every route that takes an object id, called
 * by someone else with the victim's ids. The answer is the one an unknown id gets (404, so ids
 * are not confirmed to exist) and the victim's objects are unchanged. Per-endpoint cases live
 * beside each endpoint (cart.items, orders.read, orders.cancel, me); this file sweeps them all.
 */
describe("API1 broken object level authorization", () => {
	it("another customer, a guest cart and a forged order token reach none of a victim's carts, addresses or orders", async () => {
		const victimOrder = await placeOrder({
			variants: [{ price: 1500, onHand: 20 }],
		});
		const victim: Who = victimOrder.who;
		const variantId = victimOrder.product.variants[0]?.id ?? "";
		expect((await addItem(variantId, 2, victim)).status).toBe(201);
		const [line] = (await cartOf(victim)).items;
		const address = (await (
			await call(
				"/v1/me/addresses",
				json(ADDRESS, { headers: whoHeaders(victim) }),
			)
		).json()) as { id: string };
		const guestOrder = await placeOrder({ guest: true });

		const attacker = await register();
		const attackerGuest = await newGuestCart(variantId, 1);
		const callers: Record<string, Record<string, string>> = {
			"another customer": bearer(attacker.accessToken),
			"a guest cart": { "X-Cart-Token": attackerGuest.cartToken },
			"another customer with a forged order token": {
				...bearer(attacker.accessToken),
				"X-Order-Token": guestOrder.orderToken ?? "",
			},
		};
		const attempts: [string, RequestInit][] = [
			[
				`/v1/cart/items/${line?.id}`,
				json({ quantity: 9 }, { method: "PATCH" }),
			],
			[`/v1/cart/items/${line?.id}`, { method: "DELETE" }],
			[
				`/v1/me/addresses/${address.id}`,
				json({ city: "Elsewhere" }, { method: "PATCH" }),
			],
			[`/v1/me/addresses/${address.id}`, { method: "DELETE" }],
			[`/v1/orders/${victimOrder.order.id}`, {}],
			[`/v1/orders/${victimOrder.order.id}/items`, {}],
			[`/v1/orders/${victimOrder.order.id}/payment`, {}],
			[`/v1/orders/${victimOrder.order.id}/cancel`, { method: "POST" }],
			// A guest order with a customer's token: the order token is ignored (see the route docs).
			[`/v1/orders/${guestOrder.order.id}`, {}],
			[`/v1/orders/${guestOrder.order.id}/cancel`, { method: "POST" }],
		];
		for (const [who, headers] of Object.entries(callers))
			for (const [path, init] of attempts) {
				const res = await call(path, {
					...init,
					headers: { ...(init.headers as Record<string, string>), ...headers },
				});
				// Guests are not signed in: the /me routes answer 401, everything else 404.
				const expected =
					path.startsWith("/v1/me/") && !("Authorization" in headers)
						? [401, "UNAUTHENTICATED"]
						: [404, "NOT_FOUND"];
				const error = await expectError(
					res,
					expected[0] as number,
					expected[1] as string,
				).catch((err: Error) => {
					throw new Error(
						`${who}: ${init.method ?? "GET"} ${path}: ${err.message}`,
					);
				});
				expect(JSON.stringify(error)).not.toContain(victimOrder.email);
			}

		// Nothing of the victim's changed.
		expect((await cartOf(victim)).items).toEqual([
			expect.objectContaining({ id: line?.id, quantity: 2 }),
		]);
		const addresses = await call("/v1/me/addresses", {
			headers: whoHeaders(victim),
		});
		expect(await addresses.json()).toMatchObject({
			data: [{ id: address.id, city: ADDRESS.city }],
		});
		for (const [order, who] of [
			[victimOrder, whoHeaders(victim)],
			[guestOrder, { "X-Order-Token": guestOrder.orderToken ?? "" }],
		] as const) {
			const res = await call(`/v1/orders/${order.order.id}`, { headers: who });
			expect(res.status).toBe(200);
			expect(await res.json()).toMatchObject({ status: "pending_payment" });
		}
	});

	it("an order token opens only its own order", async () => {
		const a = await placeOrder({ guest: true });
		const b = await placeOrder({ guest: true });
		await expectError(
			await call(`/v1/orders/${b.order.id}`, {
				headers: { "X-Order-Token": a.orderToken ?? "" },
			}),
			404,
			"NOT_FOUND",
		);
		expect(
			(
				await call(`/v1/orders/${a.order.id}`, {
					headers: { "X-Order-Token": a.orderToken ?? "" },
				})
			).status,
		).toBe(200);
	});
});
