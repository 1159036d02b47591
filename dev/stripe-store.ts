/**
 * The local Stripe stand-in's state, in memory: the PaymentIntent state machine, charges and
 * refunds. Every state change is journalled as an event type plus a snapshot of the object;
 * the server turns the journal into webhook events once it has answered.
 */
import {
	type FormObject,
	Params,
	paramError,
	StripeApiError,
} from "./stripe-form";
import {
	type Charge,
	cardError,
	chargeObject,
	nowSeconds,
	type PaymentIntent,
	type PaymentMethod,
	paymentIntentObject,
	paymentMethodObject,
	refundObject,
	type StripeObject,
	TEST_CARDS,
} from "./stripe-objects";

export interface Change {
	type: string;
	object: StripeObject;
	/** The PaymentIntent the change belongs to: deliveries keep their order per PaymentIntent. */
	flow: string;
}

const CONFIRMABLE =
	"requires_payment_method requires_confirmation requires_action".split(" ");
const CANCELABLE = [...CONFIRMABLE, "requires_capture", "processing"];
/** Per object kind, the fields holding ids of kept objects, which `expand[]` may name. */
const EXPANDABLE: Record<string, string[]> = {
	payment_intent: ["latest_charge", "payment_method"],
	charge: ["payment_intent", "payment_method"],
	refund: ["charge", "payment_intent", "payment_method"],
};

/** Refuses `expand[]` fields the answer will not have, before the request changes anything. */
export function checkExpand(kind: string, fields: string[]): void {
	const bad = fields.find((f) => !EXPANDABLE[kind]?.includes(f));
	if (bad !== undefined)
		throw paramError("expand", `This property cannot be expanded (${bad}).`);
}

const requestError = (code: string, message: string, extra = {}) =>
	new StripeApiError(400, {
		type: "invalid_request_error",
		code,
		message,
		...extra,
	});

export class StripeStore {
	readonly #objects = new Map<string, StripeObject>();
	/** PaymentMethod id → decline code, for methods made from a declining test card. */
	readonly #declines = new Map<string, string>();
	#journal: Change[] = [];

	/** The changes made since the last call, oldest first. */
	takeChanges(): Change[] {
		const changes = this.#journal;
		this.#journal = [];
		return changes;
	}

	add(object: StripeObject): void {
		this.#objects.set(object.id, object);
	}

	/** An object of the given kind; `param` names where the id came from (a path id is a 404). */
	find<T extends StripeObject>(kind: string, id: string, param = "id"): T {
		const found = this.#objects.get(id);
		if (found?.object === kind) return found as T;
		const noun = kind === "payment_method" ? "PaymentMethod" : kind;
		throw new StripeApiError(
			param === "id" ? 404 : 400,
			{
				type: "invalid_request_error",
				code: "resource_missing",
				message: `No such ${noun}: '${id}'`,
				param,
			},
			false,
		);
	}

	retrieve(kind: string, id: string, form: FormObject): StripeObject {
		// Constructed for its check alone: unknown parameters are refused.
		new Params(form, kind === "payment_intent" ? "client_secret" : "");
		return this.find(kind, id);
	}

	/** A copy with the `expand[]` fields (see checkExpand) replaced by the objects they name. */
	render(object: StripeObject, expand: string[]): StripeObject {
		const copy: StripeObject = { ...object };
		for (const field of expand) {
			const value = copy[field];
			const target =
				typeof value === "string" ? this.#objects.get(value) : undefined;
			if (target) copy[field] = target;
		}
		return copy;
	}

	createPaymentIntent(form: FormObject): StripeObject {
		const p = new Params(
			form,
			"amount automatic_payment_methods capture_method confirm currency description metadata payment_method receipt_email return_url",
		);
		const amount = p.amount("amount", true);
		const currency = p.currency("currency");
		p.hash("automatic_payment_methods", ["enabled", "allow_redirects"]);
		const automatic = p.boolean("automatic_payment_methods[enabled]");
		const redirects = p.oneOf("automatic_payment_methods[allow_redirects]", [
			"always",
			"never",
		]);
		const captureMethod =
			p.oneOf("capture_method", ["automatic", "automatic_async", "manual"]) ??
			"automatic_async";
		if (captureMethod === "manual")
			throw paramError(
				"capture_method",
				"The local Stripe stand-in does not model manual capture; use automatic or automatic_async.",
			);
		const metadata = p.metadata();
		const token = p.string("payment_method");
		const confirm = p.boolean("confirm") ?? false;
		if (confirm && token === undefined)
			throw paramError(
				"payment_method",
				"Confirming at creation needs a payment_method in the local stand-in.",
				"parameter_missing",
			);
		const method = token === undefined ? null : this.#paymentMethod(token);
		const pi = paymentIntentObject({
			amount,
			currency,
			automatic: automatic
				? { allow_redirects: redirects ?? "always", enabled: true }
				: null,
			captureMethod,
			description: p.string("description") ?? null,
			metadata,
			paymentMethod: method?.id ?? null,
			receiptEmail: p.string("receipt_email") ?? null,
		});
		this.add(pi);
		this.#record("payment_intent.created", pi, pi.id);
		return method && confirm ? this.#attempt(pi, method) : pi;
	}

	confirmPaymentIntent(id: string, form: FormObject): StripeObject {
		const pi = this.find<PaymentIntent>("payment_intent", id);
		const token = new Params(form, "payment_method return_url").string(
			"payment_method",
		);
		if (!CONFIRMABLE.includes(pi.status))
			throw this.#unexpectedState(pi, "confirm", "confirmed", CONFIRMABLE);
		const ref = token ?? pi.payment_method;
		if (ref === null)
			throw paramError(
				"payment_method",
				"You cannot confirm this PaymentIntent because it's missing a payment method. Confirm it again with a payment_method.",
				"parameter_missing",
			);
		return this.#attempt(pi, this.#paymentMethod(ref));
	}

	cancelPaymentIntent(id: string, form: FormObject): StripeObject {
		const pi = this.find<PaymentIntent>("payment_intent", id);
		const reason = new Params(form, "cancellation_reason").oneOf(
			"cancellation_reason",
			["abandoned", "duplicate", "fraudulent", "requested_by_customer"],
		);
		if (!CANCELABLE.includes(pi.status))
			throw this.#unexpectedState(pi, "cancel", "canceled", CANCELABLE);
		Object.assign(pi, {
			status: "canceled",
			canceled_at: nowSeconds(),
			cancellation_reason: reason ?? null,
		});
		this.#record("payment_intent.canceled", pi, pi.id);
		return pi;
	}

	createRefund(form: FormObject): StripeObject {
		const p = new Params(form, "amount charge metadata payment_intent reason");
		const piId = p.string("payment_intent");
		const chargeId = p.string("charge");
		if (piId === undefined && chargeId === undefined)
			throw paramError(
				"payment_intent",
				"One of the following params should be provided for this request: payment_intent or charge.",
				"parameter_missing",
			);
		const requested = p.amount("amount");
		const reason = p.oneOf("reason", [
			"duplicate",
			"fraudulent",
			"requested_by_customer",
		]);
		const metadata = p.metadata();
		const pi =
			piId === undefined
				? undefined
				: this.find<PaymentIntent>("payment_intent", piId, "payment_intent");
		const chargeRef = chargeId ?? pi?.latest_charge;
		const charge = chargeRef
			? this.find<Charge>("charge", chargeRef, chargeId ? "charge" : "id")
			: undefined;
		if (pi && charge && charge.payment_intent !== pi.id)
			throw paramError(
				"charge",
				`Charge ${charge.id} does not belong to PaymentIntent ${pi.id}.`,
			);
		if (charge?.status !== "succeeded")
			throw requestError(
				"charge_not_refundable",
				pi
					? `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`
					: `Charge ${chargeId} has not succeeded and cannot be refunded.`,
			);
		const left = charge.amount_captured - charge.amount_refunded;
		if (left === 0)
			throw requestError(
				"charge_already_refunded",
				`Charge ${charge.id} has already been refunded.`,
			);
		const amount = requested ?? left;
		if (amount > left)
			throw requestError(
				"amount_too_large",
				`Refund amount (${amount} ${charge.currency}) is greater than unrefunded amount on charge (${left} ${charge.currency}).`,
				{ param: "amount" },
			);
		const refund = refundObject(charge, {
			amount,
			reason: reason ?? null,
			metadata,
		});
		charge.amount_refunded += amount;
		charge.refunded = charge.amount_refunded === charge.amount_captured;
		this.add(refund);
		this.#record("refund.created", refund, charge.payment_intent);
		this.#record("charge.refunded", charge, charge.payment_intent);
		return refund;
	}

	#record(type: string, object: StripeObject, flow: string): void {
		this.#journal.push({ type, object: structuredClone(object), flow });
	}

	/** A test token makes a new PaymentMethod (as Stripe does); a `pm_` id made earlier is reused. */
	#paymentMethod(ref: string): PaymentMethod {
		const card = TEST_CARDS[ref];
		if (!card)
			return this.find<PaymentMethod>("payment_method", ref, "payment_method");
		const method = paymentMethodObject(card);
		this.add(method);
		if (card.decline) this.#declines.set(method.id, card.decline);
		return method;
	}

	/** Charges the method; a decline leaves the PaymentIntent needing a new payment method. */
	#attempt(pi: PaymentIntent, method: PaymentMethod): StripeObject {
		const decline = this.#declines.get(method.id);
		const charge = chargeObject(pi, method, decline);
		this.add(charge);
		if (decline === undefined) {
			Object.assign(pi, {
				amount_received: pi.amount,
				last_payment_error: null,
				latest_charge: charge.id,
				payment_method: method.id,
				status: "succeeded",
			});
			this.#record("charge.succeeded", charge, pi.id);
			this.#record("payment_intent.succeeded", pi, pi.id);
			return pi;
		}
		const error = cardError(charge, method, decline);
		Object.assign(pi, {
			last_payment_error: error,
			latest_charge: charge.id,
			payment_method: null,
			status: "requires_payment_method",
		});
		this.#record("charge.failed", charge, pi.id);
		this.#record("payment_intent.payment_failed", pi, pi.id);
		throw new StripeApiError(402, {
			...error,
			payment_intent: structuredClone(pi),
		});
	}

	#unexpectedState(
		pi: PaymentIntent,
		verb: string,
		done: string,
		allowed: string[],
	): StripeApiError {
		return requestError(
			"payment_intent_unexpected_state",
			`You cannot ${verb} this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be ${done}: ${allowed.join(", ")}.`,
			{ payment_intent: structuredClone(pi) },
		);
	}
}
