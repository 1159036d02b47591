import { guestCart } from "./carts";
import { CONCURRENCY, load, type Result } from "./load";

const ADDRESS = {
	name: "Bench Shopper",
	line1: "1 Load Street",
	city: "Berlin",
	postalCode: "10115",
	country: "DE",
};

const checkoutBody = (email?: string) =>
	JSON.stringify({
		shippingAddress: ADDRESS,
		shippingMethod: "standard",
		...(email ? { email } : {}),
	});

/**
 * Place order (guest checkout of a prepared two-line cart: 2 round trips + one call to the local
 * Stripe stand-in) and order history (a customer's first page of 30 orders: 1 round trip).
 */
export async function orderScenarios(
	origin: string,
	variantIds: string[],
): Promise<Result[]> {
	const carts: string[] = [];
	for (let i = 0; i < 600; i += CONCURRENCY) {
		const batch = await Promise.all(
			Array.from({ length: CONCURRENCY }, (_, j) =>
				guestCart(origin, variantIds.slice((i + j) % 190), 2),
			),
		);
		carts.push(...batch);
	}
	const place = await load(
		origin,
		(n) => [
			"/v1/orders",
			{
				method: "POST",
				headers: {
					"Content-Type": "application/json",
					"X-Cart-Token": carts[n] ?? "",
				},
				body: checkoutBody(`bench-${n}@example.com`),
			},
		],
		"place order",
		"live",
		201,
		carts.length,
	);

	const register = await fetch(`${origin}/v1/auth/register`, {
		method: "POST",
		headers: { "Content-Type": "application/json" },
		body: JSON.stringify({
			email: `bench-history-${Date.now()}@example.com`,
			password: "bench-history-password-42",
			name: "Bench Customer",
			refreshTokenDelivery: "body",
		}),
	});
	if (register.status !== 201)
		throw new Error(`register: ${register.status} ${await register.text()}`);
	const { accessToken } = (await register.json()) as { accessToken: string };
	const auth = { Authorization: `Bearer ${accessToken}` };
	for (let i = 0; i < 30; i++) {
		const add = await fetch(`${origin}/v1/cart/items`, {
			method: "POST",
			headers: { ...auth, "Content-Type": "application/json" },
			body: JSON.stringify({ variantId: variantIds[i], quantity: 1 }),
		});
		const placed = await fetch(`${origin}/v1/orders`, {
			method: "POST",
			headers: { ...auth, "Content-Type": "application/json" },
			body: checkoutBody(),
		});
		if (add.status !== 201 || placed.status !== 201)
			throw new Error(`history setup: ${add.status} ${placed.status}`);
	}
	const history = await load(
		origin,
		() => ["/v1/orders?limit=10", { headers: auth }],
		"order history (10 of 30)",
		"live",
	);
	return [place, history];
}
