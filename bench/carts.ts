import { CONCURRENCY, load, type Result } from "./load";

export const addBody = (variantId: string): RequestInit => ({
	method: "POST",
	headers: { "Content-Type": "application/json" },
	body: JSON.stringify({ variantId, quantity: 1 }),
});

/** Starts a guest cart with `lines` lines and returns its token. */
export async function guestCart(
	origin: string,
	variantIds: string[],
	lines: number,
): Promise<string> {
	let token: string | undefined;
	for (const variantId of variantIds.slice(0, lines)) {
		const init = addBody(variantId);
		if (token) init.headers = { ...init.headers, "X-Cart-Token": token };
		const res = await fetch(`${origin}/v1/cart/items`, init);
		if (res.status !== 201)
			throw new Error(`cart setup: ${res.status} ${await res.text()}`);
		const body = (await res.json()) as { cartToken?: string };
		token ??= body.cartToken;
	}
	if (!token) throw new Error("cart setup: no token");
	return token;
}

/**
 * Add-to-cart (an existing guest cart per client, cycling over 20 variants so carts stay below the
 * line cap and quantities below stock) and get-cart of a five-line cart.
 */
export async function cartScenarios(
	origin: string,
	variantIds: string[],
): Promise<Result[]> {
	if (variantIds.length < 20)
		throw new Error("the seed has too few well-stocked variants");
	const tokens = await Promise.all(
		Array.from({ length: CONCURRENCY }, () => guestCart(origin, variantIds, 1)),
	);
	const add = await load(
		origin,
		(n, client) => {
			const init = addBody(variantIds[n % 20] as string);
			init.headers = { ...init.headers, "X-Cart-Token": tokens[client] ?? "" };
			return ["/v1/cart/items", init];
		},
		"add to cart",
		"live",
		201,
	);
	const fiveLines = await guestCart(origin, variantIds, 5);
	const get = await load(
		origin,
		() => ["/v1/cart", { headers: { "X-Cart-Token": fiveLines } }],
		"get cart (5 lines)",
		"live",
	);
	return [add, get];
}
