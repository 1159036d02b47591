import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { OrderView } from "../../../src/modules/orders/orders.schemas";
import { register, uniqueEmail } from "./auth";
import {
	addItem,
	freshProduct,
	newGuestCart,
	type Who,
	whoHeaders,
} from "./cart";
import type { Product, VariantSpec } from "./catalog";
import { call, json } from "./http";

/** The local Stripe stand-in the Worker talks to in tests (tests/global-setup.ts). */
export const STRIPE_URL = (env as unknown as { STRIPE_LOCAL_URL: string })
	.STRIPE_LOCAL_URL;
const STRIPE_KEY = "sk_test_voidshop_tests";

export const ADDRESS = {
	name: "Ada Lovelace",
	line1: "12 St James's Square",
	city: "London",
	postalCode: "SW1Y 4JH",
	country: "GB",
};

export interface Placed {
	order: OrderView;
	payment: {
		provider: "stripe";
		paymentIntentId: string;
		clientSecret: string;
		publishableKey: string;
	};
	priceChanges: unknown[];
	orderToken?: string;
}

/** POST /v1/orders as `who` (defaults: inline address, standard shipping). */
export function checkout(
	who: Who,
	body: Record<string, unknown> = {},
	headers: Record<string, string> = {},
): Promise<Response> {
	return call(
		"/v1/orders",
		json(
			{ shippingAddress: ADDRESS, shippingMethod: "standard", ...body },
			{ headers: { ...whoHeaders(who), ...headers } },
		),
	);
}

/**
 * A placed (pending_payment) order the real way: a fresh product, a new customer (or a guest
 * cart when `guest`), the lines added to the cart, then checkout. Returns what checkout answered
 * plus who placed it.
 */
export async function placeOrder(
	opts: {
		variants?: VariantSpec[];
		/** Units of each variant, in order (default 1 each). */
		quantities?: number[];
		guest?: boolean;
		shippingMethod?: string;
	} = {},
): Promise<Placed & { who: Who; product: Product; email: string }> {
	const product = await freshProduct(opts.variants);
	const quantities = product.variants.map((_, i) => opts.quantities?.[i] ?? 1);
	let who: Who;
	let email: string;
	if (opts.guest) {
		const [first, ...rest] = product.variants;
		const cart = await newGuestCart(first?.id ?? "", quantities[0]);
		who = { cartToken: cart.cartToken };
		for (const [i, v] of rest.entries())
			expect((await addItem(v.id, quantities[i + 1] ?? 1, who)).status).toBe(
				201,
			);
		email = uniqueEmail("guest");
	} else {
		const session = await register();
		who = { accessToken: session.accessToken };
		email = session.email;
		for (const [i, v] of product.variants.entries())
			expect((await addItem(v.id, quantities[i] ?? 1, who)).status).toBe(201);
	}
	const res = await checkout(who, {
		shippingMethod: opts.shippingMethod ?? "standard",
		...(opts.guest ? { email } : {}),
	});
	if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
	return { ...((await res.json()) as Placed), who, product, email };
}

/** Calls the Stripe stand-in's API as the Worker's account would (form-encoded). */
export function stripeApi(
	path: string,
	form?: Record<string, string>,
): Promise<Response> {
	return fetch(`${STRIPE_URL}${path}`, {
		method: form ? "POST" : "GET",
		headers: {
			Authorization: `Bearer ${STRIPE_KEY}`,
			...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}),
		},
		body: form ? new URLSearchParams(form).toString() : undefined,
	});
}

/** Reads a PaymentIntent at the stand-in. */
export async function paymentIntent(
	id: string,
): Promise<Record<string, unknown>> {
	const res = await stripeApi(`/v1/payment_intents/${id}`);
	expect(res.status).toBe(200);
	return (await res.json()) as Record<string, unknown>;
}
