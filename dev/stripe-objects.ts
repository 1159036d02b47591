/**
 * Object shapes of the local Stripe stand-in as Stripe's API returns them: PaymentIntents,
 * PaymentMethods, Charges and Refunds, with the fields an order flow reads filled in and the
 * rest null as in a plain test-mode card payment, plus Stripe-style ids.
 */
import { randomBytes } from "node:crypto";

export interface StripeObject {
	id: string;
	object: string;
	[field: string]: unknown;
}

export interface PaymentIntent extends StripeObject {
	amount: number;
	currency: string;
	status: string;
	latest_charge: string | null;
	payment_method: string | null;
}

export interface Charge extends StripeObject {
	amount_captured: number;
	amount_refunded: number;
	currency: string;
	payment_intent: string;
	status: string;
}

interface Card {
	brand: string;
	last4: string;
	/** Set on test cards that decline. */
	decline?: string;
}

export interface PaymentMethod extends StripeObject {
	card: { brand: string; last4: string; [field: string]: unknown };
}

const ALPHABET =
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** An id in Stripe's style: the prefix, an underscore and 24 alphanumerics by default. */
export function randomId(prefix: string, length = 24): string {
	let tail = "";
	for (const byte of randomBytes(length)) tail += ALPHABET[byte % 62];
	return `${prefix}_${tail}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Fields that are null in this flow, named in one string so the shapes stay readable. */
const nulls = (names: string): Record<string, null> =>
	Object.fromEntries(names.split(" ").map((name) => [name, null]));

/** Stripe's test payment methods known to the stand-in. */
export const TEST_CARDS: Record<string, Card> = {
	pm_card_visa: { brand: "visa", last4: "4242" },
	pm_card_mastercard: { brand: "mastercard", last4: "4444" },
	pm_card_chargeDeclined: {
		brand: "visa",
		last4: "0002",
		decline: "generic_decline",
	},
	pm_card_chargeDeclinedInsufficientFunds: {
		brand: "visa",
		last4: "9995",
		decline: "insufficient_funds",
	},
};
const DECLINE_MESSAGES: Record<string, string> = {
	generic_decline: "Your card was declined.",
	insufficient_funds: "Your card has insufficient funds.",
};
const declineMessage = (code: string) =>
	DECLINE_MESSAGES[code] ?? "Your card was declined.";

export function paymentIntentObject(fields: {
	amount: number;
	currency: string;
	automatic: { allow_redirects: string; enabled: true } | null;
	captureMethod: string;
	description: string | null;
	metadata: Record<string, string>;
	paymentMethod: string | null;
	receiptEmail: string | null;
}): PaymentIntent {
	const id = randomId("pi");
	return {
		id,
		object: "payment_intent",
		amount: fields.amount,
		amount_capturable: 0,
		amount_details: { tip: {} },
		amount_received: 0,
		automatic_payment_methods: fields.automatic,
		capture_method: fields.captureMethod,
		client_secret: `${id}_secret_${randomId("s", 25).slice(2)}`,
		confirmation_method: "automatic",
		created: nowSeconds(),
		currency: fields.currency,
		description: fields.description,
		latest_charge: null,
		livemode: false,
		metadata: fields.metadata,
		payment_method: fields.paymentMethod,
		payment_method_options: { card: { request_three_d_secure: "automatic" } },
		payment_method_types: ["card"],
		receipt_email: fields.receiptEmail,
		status: fields.paymentMethod
			? "requires_confirmation"
			: "requires_payment_method",
		...nulls(
			"application application_fee_amount canceled_at cancellation_reason customer last_payment_error next_action on_behalf_of processing review setup_future_usage shipping source statement_descriptor statement_descriptor_suffix transfer_data transfer_group",
		),
	};
}

/** A new PaymentMethod for a test card, as Stripe makes one (`pm_…`) for each `pm_card_*` use. */
export function paymentMethodObject(card: Card): PaymentMethod {
	return {
		id: randomId("pm"),
		object: "payment_method",
		allow_redisplay: "unspecified",
		billing_details: {
			address: nulls("city country line1 line2 postal_code state"),
			...nulls("email name phone tax_id"),
		},
		card: {
			brand: card.brand,
			country: "US",
			exp_month: 12,
			exp_year: new Date().getUTCFullYear() + 3,
			funding: "credit",
			last4: card.last4,
		},
		created: nowSeconds(),
		customer: null,
		livemode: false,
		metadata: {},
		type: "card",
	};
}

/** The charge of one payment attempt: succeeded, or failed with the decline code. */
export function chargeObject(
	pi: PaymentIntent,
	method: PaymentMethod,
	decline: string | undefined,
): Charge {
	const paid = decline === undefined;
	return {
		id: randomId("ch"),
		object: "charge",
		amount: pi.amount,
		amount_captured: paid ? pi.amount : 0,
		amount_refunded: 0,
		balance_transaction: paid ? randomId("txn") : null,
		billing_details: method.billing_details,
		captured: paid,
		created: nowSeconds(),
		currency: pi.currency,
		description: pi.description,
		disputed: false,
		failure_code: paid ? null : "card_declined",
		failure_message: paid ? null : declineMessage(decline),
		fraud_details: {},
		livemode: false,
		metadata: pi.metadata,
		outcome: paid
			? {
					network_status: "approved_by_network",
					reason: null,
					risk_level: "normal",
					seller_message: "Payment complete.",
					type: "authorized",
				}
			: {
					network_status: "declined_by_network",
					reason: decline,
					risk_level: "normal",
					seller_message:
						"The bank did not return any further details with this decline.",
					type: "issuer_declined",
				},
		paid,
		payment_intent: pi.id,
		payment_method: method.id,
		payment_method_details: { card: method.card, type: "card" },
		receipt_email: pi.receipt_email,
		refunded: false,
		status: paid ? "succeeded" : "failed",
		...nulls(
			"application application_fee application_fee_amount customer failure_balance_transaction on_behalf_of receipt_number receipt_url review shipping source source_transfer statement_descriptor statement_descriptor_suffix transfer_data transfer_group",
		),
	};
}

/** A card decline as Stripe reports it, in `last_payment_error` and in the 402 answer. */
export function cardError(
	charge: Charge,
	method: PaymentMethod,
	decline: string,
) {
	return {
		type: "card_error",
		charge: charge.id,
		code: "card_declined",
		decline_code: decline,
		doc_url: "https://stripe.com/docs/error-codes/card-declined",
		message: declineMessage(decline),
		payment_method: method,
	};
}

export function refundObject(
	charge: Charge,
	fields: {
		amount: number;
		reason: string | null;
		metadata: Record<string, string>;
	},
): StripeObject {
	return {
		id: randomId("re"),
		object: "refund",
		amount: fields.amount,
		balance_transaction: randomId("txn"),
		charge: charge.id,
		created: nowSeconds(),
		currency: charge.currency,
		destination_details: {
			card: { reference_status: "pending", type: "refund" },
			type: "card",
		},
		metadata: fields.metadata,
		payment_intent: charge.payment_intent,
		payment_method: charge.payment_method,
		reason: fields.reason,
		status: "succeeded",
		...nulls("receipt_number source_transfer_reversal transfer_reversal"),
	};
}
