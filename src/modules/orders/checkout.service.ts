import { sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import { orders } from "../../db/schema";
import type { AddressSnapshot } from "../../db/schema/orders";
import { ApiError, validationFailed } from "../../lib/errors";
import {
	claimOutcome,
	completeSql,
	type IdempotencyClaim,
	type IdempotencyRecord,
	idempotencyClaim,
	lookupSql,
	releaseClaimSql,
	releaseSql,
} from "../../lib/idempotency";
import { uuidv7 } from "../../lib/ids";
import { log } from "../../lib/log";
import { randomToken, sha256Hex } from "../../lib/tokens";
import type { Services } from "../../services";
import type { CartOwner } from "../cart/cart-token";
import { providerUnavailable } from "../payments/stripe.calls";
import {
	type PlaceRow,
	placeOrderSql,
	reopenCartSql,
} from "./checkout.queries";
import type { CheckoutBody } from "./checkout.schemas";
import { orderViewSql } from "./orders.queries";
import { cancelPendingOrderSql } from "./transitions.queries";

export interface CheckoutResult {
	status: number;
	body: unknown;
	/** True when an Idempotency-Key replayed a completed request's stored response. */
	replayed: boolean;
}

/**
 * Places an order from the owner's cart: batch 1 reserves stock and writes the order (and claims
 * the Idempotency-Key), then Stripe creates the PaymentIntent, then batch 2 attaches it and builds
 * (and, with a key, stores) the response. Two round trips and one Stripe call; a Stripe failure
 * cancels the order, releases its stock and reopens the cart instead (503, safe to retry).
 */
export async function placeOrder(
	s: Services,
	p: { owner: CartOwner; body: CheckoutBody; idempotencyKey?: string },
): Promise<CheckoutResult> {
	const { owner, body } = p;
	if (owner.kind === "guest") {
		if (body.email === undefined)
			throw invalid("email", "is required for a guest checkout");
		if (body.shippingAddressId !== undefined)
			throw invalid(
				"shippingAddressId",
				"needs an account; a guest gives shippingAddress",
			);
	}
	const orderId = uuidv7();
	const orderToken = owner.kind === "guest" ? randomToken() : undefined;
	const claim = p.idempotencyKey
		? await idempotencyClaim(
				owner.kind === "user"
					? `user:${owner.userId}`
					: `guest:${owner.tokenHash}`,
				p.idempotencyKey,
				"POST /v1/orders",
				body,
			)
		: undefined;
	const placed = await batch(s.db, {
		place: s.db.execute<PlaceRow>(
			placeOrderSql({
				orderId,
				owner,
				address: body.shippingAddressId
					? { id: body.shippingAddressId }
					: { snapshot: snapshot(body.shippingAddress) },
				shippingMethod: body.shippingMethod,
				email: body.email ?? null,
				accessTokenHash: orderToken ? await sha256Hex(orderToken) : null,
				paymentWindowMs: s.config.ORDER_PAYMENT_WINDOW,
				claim,
			}),
		),
		release: claim
			? s.db.execute(
					releaseSql(
						claim,
						sql`exists (select 1 from ${orders} where id = ${orderId}::uuid)`,
					),
				)
			: undefined,
		record: claim
			? s.db.execute<IdempotencyRecord>(lookupSql(claim))
			: undefined,
	});
	if (claim) {
		const outcome = claimOutcome(claim, placed.record?.rows[0]);
		if (outcome.kind === "replay")
			return { status: outcome.status, body: outcome.body, replayed: true };
	}
	const row = placed.place.rows[0];
	if (!row) throw new Error("checkout statement returned no row");
	if (row.outcome !== "ok") throw refusal(row, body);

	const total = row.total as number;
	const currency = row.currency as string;
	let paymentIntent: {
		id: string;
		client_secret: string | null;
		status: string;
	};
	try {
		paymentIntent = await s.stripe.paymentIntents.create(
			{
				amount: total,
				currency: currency.toLowerCase(),
				automatic_payment_methods: { enabled: true },
				metadata: { orderId, orderNumber: row.order_number as string },
				description: `VoidShop order ${row.order_number}`,
			},
			{ idempotencyKey: `order-${orderId}-payment-intent` },
		);
	} catch (err) {
		// Whatever Stripe said, no order may wait on a PaymentIntent it does not have.
		await abandon(s, orderId, claim, err);
		throw providerUnavailable();
	}

	const payment = {
		provider: "stripe",
		paymentIntentId: paymentIntent.id,
		clientSecret: paymentIntent.client_secret,
		publishableKey: s.config.STRIPE_PUBLISHABLE_KEY,
	};
	const response = sql`jsonb_build_object(
		'order', (select "order" from (${orderViewSql(sql`${orders.id} = ${orderId}::uuid`)}) view)::jsonb,
		'payment', ${JSON.stringify(payment)}::jsonb,
		'priceChanges', ${JSON.stringify(row.price_changes ?? [])}::jsonb)
		|| ${JSON.stringify(orderToken ? { orderToken } : {})}::jsonb`;
	const done = await batch(s.db, {
		attach: s.db
			.update(orders)
			.set({
				paymentIntentId: paymentIntent.id,
				paymentStatus: paymentIntent.status,
				updatedAt: sql`now()`,
			})
			.where(sql`${orders.id} = ${orderId}::uuid`),
		response: s.db.execute<{ body: unknown }>(
			claim
				? completeSql(claim, 201, response)
				: sql`select ${response} as body`,
		),
	});
	return { status: 201, body: done.response.rows[0]?.body, replayed: false };
}

/** Compensates a placed order whose PaymentIntent could not be created (one batch). */
async function abandon(
	s: Services,
	orderId: string,
	claim: IdempotencyClaim | undefined,
	cause: unknown,
): Promise<void> {
	log("error", "payment intent creation failed; order abandoned", {
		orderId,
		error: cause instanceof Error ? cause.message : String(cause),
	});
	await batch(s.db, {
		cancel: s.db.execute(
			cancelPendingOrderSql({
				orderId,
				reason: "payment_provider_unavailable",
				actor: "system",
			}),
		),
		reopen: s.db.execute(reopenCartSql(orderId)),
		release: claim ? s.db.execute(releaseClaimSql(claim)) : undefined,
	});
}

function snapshot(address: CheckoutBody["shippingAddress"]): AddressSnapshot {
	if (!address) throw new Error("shippingAddress missing");
	return {
		name: address.name,
		line1: address.line1,
		line2: address.line2 ?? null,
		city: address.city,
		region: address.region ?? null,
		postalCode: address.postalCode,
		country: address.country,
		phone: address.phone ?? null,
	};
}

function invalid(field: string, message: string): ApiError {
	return validationFailed(`${field} ${message}`, {
		path: field,
		message,
		code: "custom",
	});
}

/** The 4xx for a checkout the database refused, with what the storefront needs to fix it. */
function refusal(row: PlaceRow, body: CheckoutBody): ApiError {
	switch (row.outcome) {
		case "cart_empty":
			return new ApiError(
				"CART_EMPTY",
				"There is nothing in the cart to order",
			);
		case "idempotency":
			return new ApiError(
				"IDEMPOTENCY_IN_PROGRESS",
				"A request with this Idempotency-Key is still being processed; retry shortly",
				undefined,
				{ "Retry-After": "1" },
			);
		case "currency_mismatch":
			return new ApiError(
				"CURRENCY_MISMATCH",
				"The cart holds items in more than one currency; remove some to check out",
			);
		case "shipping_method_unavailable":
			return new ApiError(
				"SHIPPING_METHOD_UNAVAILABLE",
				`Shipping method "${body.shippingMethod}" is not available for this cart`,
				{
					shippingMethod: body.shippingMethod,
					cartCurrency: row.currency,
					methodCurrency: row.method_currency,
				},
			);
		case "address_not_found":
			return new ApiError("NOT_FOUND", "Address not found", {
				field: "shippingAddressId",
			});
		case "out_of_stock":
			return new ApiError(
				"OUT_OF_STOCK",
				"Some items are not available in the quantity ordered",
				{ lines: row.short_lines ?? [] },
			);
		default:
			return new ApiError("INTERNAL", "Unexpected checkout outcome");
	}
}
