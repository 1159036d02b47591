/**
 * The local Stripe stand-in against the real `stripe` SDK (fetch client, pinned API version):
 * PaymentIntents, refunds, idempotency, errors, signed webhooks and the fail-next control.
 */
import { createServer } from "node:http";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeServer, listen, readBody } from "../../dev/ports";
import {
	type StripeStandin,
	startStripeStandin,
} from "../../dev/stripe-standin";
import { caught, unique } from "./helpers";

const API_KEY = "sk_test_conformance";
const WEBHOOK_SECRET = "whsec_conformance";
const cryptoProvider = Stripe.createSubtleCryptoProvider();
const { errors } = Stripe;

let standin: StripeStandin;
let stripe: Stripe;
const logs: string[] = [];

beforeAll(async () => {
	standin = await startStripeStandin({
		port: 0,
		webhookSecret: WEBHOOK_SECRET,
		control: true,
		deliveryRetries: { attempts: 3, baseDelayMs: 20 },
		log: (line) => logs.push(line),
	});
	stripe = client();
});
afterAll(async () => {
	await standin?.close();
});

type Config = NonNullable<ConstructorParameters<typeof Stripe>[1]>;

/** The SDK as the Worker configures it, pointed at the stand-in; no retries unless asked. */
function client(config: Config = {}, key = API_KEY): Stripe {
	return new Stripe(key, {
		httpClient: Stripe.createFetchHttpClient(),
		host: standin.host,
		port: standin.port,
		protocol: "http",
		apiVersion: Stripe.API_VERSION,
		maxNetworkRetries: 0,
		...config,
	});
}

function order(amount = 2000) {
	return stripe.paymentIntents.create({
		amount,
		currency: "eur",
		automatic_payment_methods: { enabled: true },
		metadata: { orderId: unique("ord") },
	});
}

async function paidOrder(amount = 2000) {
	const pi = await order(amount);
	return stripe.paymentIntents.confirm(pi.id, {
		payment_method: "pm_card_visa",
	});
}

/** With the fetch client, lastResponse is the fetch Response (its headers are a Headers). */
function responseHeader(result: { lastResponse: unknown }, name: string) {
	return (result.lastResponse as Response).headers.get(name);
}

/** A form POST (or GET) sent by hand, to check the wire format itself. */
function rawRequest(
	path: string,
	init: { method?: string; body?: string; headers?: Record<string, string> },
) {
	return fetch(`${standin.url}${path}`, {
		method: init.method ?? "POST",
		body: init.body,
		headers: {
			authorization: `Bearer ${API_KEY}`,
			"content-type": "application/x-www-form-urlencoded",
			...init.headers,
		},
	});
}

function eventsFor(id: string) {
	return standin.events().filter((e) => e.data.object.id === id);
}

describe("PaymentIntents", () => {
	it("creates one with amount, currency, metadata and a client secret round-tripped", async () => {
		const metadata = { orderId: "ord_1", note: "héllo & = [x] +1" };
		const pi = await stripe.paymentIntents.create({
			amount: 1999,
			currency: "EUR",
			automatic_payment_methods: { enabled: true },
			metadata,
			description: "Order ord_1",
			receipt_email: "buyer@voidshop.test",
		});
		expect(pi).toMatchObject({
			object: "payment_intent",
			amount: 1999,
			amount_received: 0,
			currency: "eur",
			metadata,
			description: "Order ord_1",
			receipt_email: "buyer@voidshop.test",
			status: "requires_payment_method",
			automatic_payment_methods: { enabled: true, allow_redirects: "always" },
			capture_method: "automatic_async",
			livemode: false,
			latest_charge: null,
			canceled_at: null,
			cancellation_reason: null,
		});
		expect(pi.id).toMatch(/^pi_[A-Za-z0-9]{24}$/);
		expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_\\w+$`));
		expect(Math.abs(pi.created - Date.now() / 1000)).toBeLessThan(5);
		expect(pi.lastResponse.requestId).toMatch(/^req_/);
		expect(pi.lastResponse.apiVersion).toBe(Stripe.API_VERSION);

		const again = await stripe.paymentIntents.retrieve(pi.id);
		expect(JSON.stringify(again)).toBe(JSON.stringify(pi));
	});

	it("refuses a missing or malformed amount or currency with a 400 naming the param", async () => {
		const cases: [Record<string, unknown>, string, string | undefined][] = [
			[{ currency: "eur" }, "amount", "parameter_missing"],
			[{ amount: 0, currency: "eur" }, "amount", "amount_too_small"],
			[
				{ amount: 12.5, currency: "eur" },
				"amount",
				"parameter_invalid_integer",
			],
			[{ amount: 100 }, "currency", "parameter_missing"],
			[{ amount: 100, currency: "euro" }, "currency", undefined],
			[
				{ amount: 100, currency: "eur", colour: "red" },
				"colour",
				"parameter_unknown",
			],
		];
		for (const [params, param, code] of cases) {
			const err = await caught(() =>
				stripe.paymentIntents.create(
					params as unknown as Stripe.PaymentIntentCreateParams,
				),
			);
			expect(err, JSON.stringify(params)).toBeInstanceOf(
				errors.StripeInvalidRequestError,
			);
			expect(err).toMatchObject({ statusCode: 400, param, code });
		}
	});

	it("confirms with pm_card_visa: succeeded, amount_received and a retrievable charge", async () => {
		const pi = await order(4999);
		const paid = await stripe.paymentIntents.confirm(pi.id, {
			payment_method: "pm_card_visa",
		});
		expect(paid).toMatchObject({
			id: pi.id,
			status: "succeeded",
			amount_received: 4999,
			last_payment_error: null,
		});
		expect(paid.payment_method).toMatch(/^pm_/);
		expect(paid.latest_charge).toMatch(/^ch_/);
		const charge = await stripe.charges.retrieve(paid.latest_charge as string);
		expect(charge).toMatchObject({
			object: "charge",
			amount: 4999,
			amount_captured: 4999,
			amount_refunded: 0,
			paid: true,
			refunded: false,
			status: "succeeded",
			payment_intent: pi.id,
			payment_method: paid.payment_method,
			payment_method_details: {
				type: "card",
				card: { brand: "visa", last4: "4242" },
			},
		});
		const expanded = await stripe.paymentIntents.retrieve(pi.id, {
			expand: ["latest_charge"],
		});
		expect((expanded.latest_charge as Stripe.Charge).amount_captured).toBe(
			4999,
		);

		const err = await caught(() =>
			stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_visa" }),
		);
		expect(err).toMatchObject({
			statusCode: 400,
			code: "payment_intent_unexpected_state",
		});
	});

	it("declines pm_card_chargeDeclined with a StripeCardError and returns the PaymentIntent to requires_payment_method", async () => {
		const pi = await order(2500);
		const err = await caught(() =>
			stripe.paymentIntents.confirm(pi.id, {
				payment_method: "pm_card_chargeDeclined",
			}),
		);
		expect(err).toBeInstanceOf(errors.StripeCardError);
		expect(err).toMatchObject({
			statusCode: 402,
			type: "StripeCardError",
			code: "card_declined",
			decline_code: "generic_decline",
			message: "Your card was declined.",
			payment_intent: { id: pi.id, status: "requires_payment_method" },
		});

		const after = await stripe.paymentIntents.retrieve(pi.id);
		expect(after).toMatchObject({
			status: "requires_payment_method",
			amount_received: 0,
			payment_method: null,
			last_payment_error: {
				type: "card_error",
				code: "card_declined",
				decline_code: "generic_decline",
			},
		});
		const failed = await stripe.charges.retrieve(after.latest_charge as string);
		expect(failed).toMatchObject({
			status: "failed",
			paid: false,
			failure_code: "card_declined",
		});

		const poor = await caught(() =>
			stripe.paymentIntents.confirm(pi.id, {
				payment_method: "pm_card_chargeDeclinedInsufficientFunds",
			}),
		);
		expect(poor).toMatchObject({ decline_code: "insufficient_funds" });

		const paid = await stripe.paymentIntents.confirm(pi.id, {
			payment_method: "pm_card_visa",
		});
		expect(paid).toMatchObject({
			status: "succeeded",
			last_payment_error: null,
		});
	});

	it("refuses an unknown payment method with resource_missing on payment_method", async () => {
		const pi = await order();
		const err = await caught(() =>
			stripe.paymentIntents.confirm(pi.id, { payment_method: "pm_card_bogus" }),
		);
		expect(err).toBeInstanceOf(errors.StripeInvalidRequestError);
		expect(err).toMatchObject({
			statusCode: 400,
			code: "resource_missing",
			param: "payment_method",
			message: "No such PaymentMethod: 'pm_card_bogus'",
		});
		expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe(
			"requires_payment_method",
		);
	});

	it("refuses an expand the object cannot have, before changing anything", async () => {
		const pi = await order();
		const err = await caught(() =>
			stripe.paymentIntents.confirm(pi.id, {
				payment_method: "pm_card_visa",
				expand: ["charge"],
			}),
		);
		expect(err).toMatchObject({ statusCode: 400, param: "expand" });
		expect((err as Error).message).toBe(
			"This property cannot be expanded (charge).",
		);
		expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe(
			"requires_payment_method",
		);
	});

	it("cancels with a reason, and refuses to cancel a succeeded one", async () => {
		const pi = await order();
		const canceled = await stripe.paymentIntents.cancel(pi.id, {
			cancellation_reason: "requested_by_customer",
		});
		expect(canceled).toMatchObject({
			status: "canceled",
			cancellation_reason: "requested_by_customer",
		});
		expect(
			Math.abs(Number(canceled.canceled_at) - Date.now() / 1000),
		).toBeLessThan(5);

		const paid = await paidOrder();
		const err = await caught(() => stripe.paymentIntents.cancel(paid.id));
		expect(err).toBeInstanceOf(errors.StripeInvalidRequestError);
		expect(err).toMatchObject({
			statusCode: 400,
			code: "payment_intent_unexpected_state",
			payment_intent: { id: paid.id, status: "succeeded" },
		});
		expect((err as Error).message).toContain("status of succeeded");
	});

	it("records events without delivering them when no webhook URL is set", async () => {
		const pi = await order();
		const [created, ...rest] = eventsFor(pi.id);
		expect(rest).toEqual([]);
		expect(created).toMatchObject({
			type: "payment_intent.created",
			pending_webhooks: 0,
		});
		const fetched = await stripe.events.retrieve(created?.id as string);
		expect(fetched).toMatchObject({ id: created?.id, type: created?.type });
	});
});

describe("Refunds", () => {
	it("refunds part, then the rest; a further refund is charge_already_refunded", async () => {
		const pi = await paidOrder(2000);
		const part = await stripe.refunds.create({
			payment_intent: pi.id,
			amount: 500,
			reason: "requested_by_customer",
			metadata: { orderId: "ord_9" },
		});
		expect(part).toMatchObject({
			object: "refund",
			amount: 500,
			currency: "eur",
			status: "succeeded",
			payment_intent: pi.id,
			charge: pi.latest_charge,
			reason: "requested_by_customer",
			metadata: { orderId: "ord_9" },
		});
		expect(part.id).toMatch(/^re_/);
		expect(await stripe.refunds.retrieve(part.id)).toMatchObject({
			id: part.id,
			amount: 500,
		});
		const charge = stripe.charges.retrieve.bind(stripe.charges);
		expect(await charge(pi.latest_charge as string)).toMatchObject({
			amount_refunded: 500,
			refunded: false,
		});

		const rest = await stripe.refunds.create({ payment_intent: pi.id });
		expect(rest.amount).toBe(1500);
		expect(await charge(pi.latest_charge as string)).toMatchObject({
			amount_refunded: 2000,
			refunded: true,
		});

		const err = await caught(() =>
			stripe.refunds.create({ payment_intent: pi.id, amount: 1 }),
		);
		expect(err).toBeInstanceOf(errors.StripeInvalidRequestError);
		expect(err).toMatchObject({
			statusCode: 400,
			code: "charge_already_refunded",
		});
	});

	it("refuses to refund more than is left", async () => {
		const pi = await paidOrder(2000);
		await stripe.refunds.create({ payment_intent: pi.id, amount: 1500 });
		const err = await caught(() =>
			stripe.refunds.create({ payment_intent: pi.id, amount: 600 }),
		);
		expect(err).toMatchObject({
			statusCode: 400,
			code: "amount_too_large",
			param: "amount",
		});
		expect((err as Error).message).toContain("(500 eur)");
	});

	it("refuses to refund a PaymentIntent without a successful charge", async () => {
		const pi = await order();
		const err = await caught(() =>
			stripe.refunds.create({ payment_intent: pi.id }),
		);
		expect(err).toBeInstanceOf(errors.StripeInvalidRequestError);
		expect(err).toMatchObject({
			statusCode: 400,
			code: "charge_not_refundable",
		});
	});
});

describe("Idempotency-Key", () => {
	const params = { amount: 1200, currency: "usd", metadata: { cart: "c1" } };

	it("replays the saved answer for the same key and parameters", async () => {
		const key = unique("idem");
		const first = await stripe.paymentIntents.create(params, {
			idempotencyKey: key,
		});
		const second = await stripe.paymentIntents.create(params, {
			idempotencyKey: key,
		});
		expect(second.id).toBe(first.id);
		expect(responseHeader(first, "idempotent-replayed")).toBeNull();
		expect(responseHeader(second, "idempotent-replayed")).toBe("true");
		expect(responseHeader(second, "original-request")).toBe(
			first.lastResponse.requestId,
		);
		expect(eventsFor(first.id).map((e) => e.type)).toEqual([
			"payment_intent.created",
		]);
		expect(eventsFor(first.id)[0]?.request).toEqual({
			id: first.lastResponse.requestId,
			idempotency_key: key,
		});
	});

	it("replays byte for byte, whatever the parameter order", async () => {
		const headers = { "idempotency-key": unique("raw") };
		const a = await rawRequest("/v1/payment_intents", {
			body: "amount=700&currency=usd&metadata[a]=1&metadata[b]=2",
			headers,
		});
		const b = await rawRequest("/v1/payment_intents", {
			body: "metadata[b]=2&currency=usd&amount=700&metadata[a]=1",
			headers,
		});
		expect(a.status).toBe(200);
		expect(b.status).toBe(200);
		expect(await b.text()).toBe(await a.text());
		expect(b.headers.get("idempotent-replayed")).toBe("true");
	});

	it("refuses the same key with different parameters (StripeIdempotencyError)", async () => {
		const key = unique("idem");
		await stripe.paymentIntents.create(params, { idempotencyKey: key });
		const err = await caught(() =>
			stripe.paymentIntents.create(
				{ ...params, amount: 1300 },
				{ idempotencyKey: key },
			),
		);
		expect(err).toBeInstanceOf(errors.StripeIdempotencyError);
		expect(err).toMatchObject({
			statusCode: 400,
			rawType: "idempotency_error",
		});
		expect((err as Error).message).toContain("same parameters");
	});

	it("scopes keys per API key and refuses keys over 255 characters", async () => {
		const key = unique("idem");
		const mine = await stripe.paymentIntents.create(params, {
			idempotencyKey: key,
		});
		const theirs = await client({}, "sk_test_other").paymentIntents.create(
			{ ...params, amount: 99 },
			{ idempotencyKey: key },
		);
		expect(theirs.id).not.toBe(mine.id);
		expect(theirs.amount).toBe(99);

		const err = await caught(() =>
			stripe.paymentIntents.create(params, { idempotencyKey: "k".repeat(256) }),
		);
		expect(err).toBeInstanceOf(errors.StripeInvalidRequestError);
		expect((err as Error).message).toContain("255");
	});

	it("replays a decline, but not a validation error", async () => {
		const pi = await order();
		const key = unique("confirm");
		const confirm = () =>
			stripe.paymentIntents.confirm(
				pi.id,
				{ payment_method: "pm_card_chargeDeclined" },
				{ idempotencyKey: key },
			);
		const first = await caught(confirm);
		const second = await caught(confirm);
		expect(second).toBeInstanceOf(errors.StripeCardError);
		expect((second as Stripe.errors.StripeCardError).charge).toBe(
			(first as Stripe.errors.StripeCardError).charge,
		);
		expect(
			eventsFor(pi.id).filter(
				(e) => e.type === "payment_intent.payment_failed",
			),
		).toHaveLength(1);

		const key2 = unique("create");
		const invalid = await caught(() =>
			stripe.paymentIntents.create(
				{ ...params, amount: -1 },
				{ idempotencyKey: key2 },
			),
		);
		expect(invalid).toMatchObject({ statusCode: 400, param: "amount" });
		const fixed = await stripe.paymentIntents.create(params, {
			idempotencyKey: key2,
		});
		expect(fixed.amount).toBe(1200);
	});
});

describe("authentication and errors", () => {
	it("refuses a bad or live key with StripeAuthenticationError", async () => {
		const bad = await caught(() =>
			client({}, "sk_test_").paymentIntents.retrieve("pi_x"),
		);
		expect(bad).toBeInstanceOf(errors.StripeAuthenticationError);
		expect(bad).toMatchObject({
			statusCode: 401,
			rawType: "invalid_request_error",
		});
		expect((bad as Error).message).toContain("Invalid API Key provided");

		const live = await caught(() =>
			client({}, "sk_live_0123456789abcdef").paymentIntents.create(params()),
		);
		expect(live).toBeInstanceOf(errors.StripeAuthenticationError);
		expect((live as Error).message).toContain("sk_live_****");
		expect((live as Error).message).not.toContain("0123456789");

		const none = await rawRequest("/v1/payment_intents", {
			body: "amount=100&currency=usd",
			headers: { authorization: "" },
		});
		expect(none.status).toBe(401);
		expect(none.headers.get("www-authenticate")).toBe('Basic realm="Stripe"');
		const body = (await none.json()) as {
			error: { type: string; message: string };
		};
		expect(body.error.type).toBe("invalid_request_error");
		expect(body.error.message).toMatch(/^You did not provide an API key/);
	});

	it("accepts Basic auth with the key as username", async () => {
		const pi = await order(321);
		const basic = Buffer.from(`${API_KEY}:`).toString("base64");
		const res = await rawRequest(`/v1/payment_intents/${pi.id}`, {
			method: "GET",
			headers: { authorization: `Basic ${basic}` },
		});
		expect(res.status).toBe(200);
		expect(((await res.json()) as { amount: number }).amount).toBe(321);
	});

	it("answers unknown ids with a 404 resource_missing on param id", async () => {
		for (const lookup of [
			() => stripe.paymentIntents.retrieve("pi_missing"),
			() => stripe.refunds.retrieve("re_missing"),
		]) {
			const err = await caught(lookup);
			expect(err).toBeInstanceOf(errors.StripeInvalidRequestError);
			expect(err).toMatchObject({
				statusCode: 404,
				code: "resource_missing",
				param: "id",
			});
		}
		const refund = await stripe.refunds.create({
			payment_intent: (await paidOrder()).id,
		});
		const wrongKind = await caught(() =>
			stripe.paymentIntents.retrieve(refund.id),
		);
		expect((wrongKind as Error).message).toBe(
			`No such payment_intent: '${refund.id}'`,
		);
	});

	it("answers unknown routes with Stripe's 404 envelope, Request-Id and Stripe-Version", async () => {
		const res = await rawRequest("/v1/customers", {
			method: "GET",
			headers: { "stripe-version": "2025-01-27.acacia" },
		});
		expect(res.status).toBe(404);
		expect(res.headers.get("request-id")).toMatch(/^req_\w{14}$/);
		expect(res.headers.get("stripe-version")).toBe("2025-01-27.acacia");
		expect(await res.json()).toEqual({
			error: {
				type: "invalid_request_error",
				message: expect.stringContaining(
					"Unrecognized request URL (GET: /v1/customers)",
				),
			},
		});
	});

	it("names STRIPE_STANDIN_PORT when its port is taken", async () => {
		const err = await caught(() =>
			startStripeStandin({ port: standin.port, webhookSecret: "x" }),
		);
		expect(String(err)).toContain(
			`port ${standin.port} is already in use (stripe stand-in); set STRIPE_STANDIN_PORT`,
		);
	});

	function params(): Stripe.PaymentIntentCreateParams {
		return { amount: 100, currency: "usd" };
	}
});

interface Receiver {
	url: string;
	deliveries: { raw: string; signature: string }[];
}

describe("webhooks", () => {
	const receivers: (() => Promise<void>)[] = [];
	afterEach(async () => {
		await standin.idle();
		standin.setWebhookUrl(undefined);
		for (const close of receivers.splice(0)) await close();
	});

	/** A webhook endpoint answering `statusFor(n)` to its n-th delivery; set as the stand-in's URL. */
	async function receiver(statusFor: (n: number) => number = () => 200) {
		const deliveries: Receiver["deliveries"] = [];
		const server = createServer((req, res) => {
			readBody(req).then((raw) => {
				const signature = String(req.headers["stripe-signature"]);
				deliveries.push({ raw, signature });
				res.writeHead(statusFor(deliveries.length)).end();
			});
		});
		const port = await listen(server, {
			host: "127.0.0.1",
			port: 0,
			label: "webhook receiver",
			envVar: "none",
		});
		receivers.push(() => closeServer(server));
		const url = `http://127.0.0.1:${port}/webhooks/stripe`;
		standin.setWebhookUrl(url);
		return { url, deliveries } satisfies Receiver;
	}

	const verify = (d: Receiver["deliveries"][number], secret = WEBHOOK_SECRET) =>
		stripe.webhooks.constructEventAsync(
			d.raw,
			d.signature,
			secret,
			300,
			cryptoProvider,
		);
	const typesOf = (r: Receiver) =>
		r.deliveries.map((d) => (JSON.parse(d.raw) as { type: string }).type);

	it("signs every event so the SDK verifies it, in order created → succeeded; a wrong secret fails", async () => {
		const endpoint = await receiver();
		const key = unique("evt");
		const pi = await stripe.paymentIntents.create(
			{ amount: 1500, currency: "eur" },
			{ idempotencyKey: key },
		);
		const paid = await stripe.paymentIntents.confirm(pi.id, {
			payment_method: "pm_card_visa",
		});
		await standin.idle();

		const events = await Promise.all(endpoint.deliveries.map((d) => verify(d)));
		expect(events.map((e) => e.type)).toEqual([
			"payment_intent.created",
			"charge.succeeded",
			"payment_intent.succeeded",
		]);
		const ours = [pi.id, paid.latest_charge];
		const recorded = standin
			.events()
			.filter((e) => ours.includes(e.data.object.id));
		expect(events.map((e) => e.id)).toEqual(recorded.map((e) => e.id));
		for (const event of events) {
			expect(event).toMatchObject({
				object: "event",
				api_version: Stripe.API_VERSION,
				livemode: false,
				pending_webhooks: 1,
			});
			expect(event.id).toMatch(/^evt_/);
			expect(event.request?.id).toMatch(/^req_/);
		}
		expect(events[0]?.request?.idempotency_key).toBe(key);
		// The SDK sends a key of its own on every POST that has none.
		expect(events[2]?.request?.idempotency_key).toMatch(/^stripe-node-retry-/);
		expect(events[0]?.data.object).toMatchObject({
			id: pi.id,
			status: "requires_payment_method",
		});
		expect(events[2]?.data.object).toMatchObject({
			id: pi.id,
			status: "succeeded",
			amount_received: 1500,
		});

		const first = endpoint.deliveries[0] as Receiver["deliveries"][number];
		expect(first.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
		await expect(verify(first, "whsec_wrong")).rejects.toBeInstanceOf(
			errors.StripeSignatureVerificationError,
		);
		const forged = { ...first, raw: first.raw.replace("1500", "1") };
		await expect(verify(forged)).rejects.toBeInstanceOf(
			errors.StripeSignatureVerificationError,
		);
	});

	it("delivers an event again after the receiver answered 500 twice, keeping the order", async () => {
		const endpoint = await receiver((n) => (n <= 2 ? 500 : 200));
		await paidOrder();
		await standin.idle();
		expect(typesOf(endpoint)).toEqual([
			"payment_intent.created",
			"payment_intent.created",
			"payment_intent.created",
			"charge.succeeded",
			"payment_intent.succeeded",
		]);
		const [a, b, c] = endpoint.deliveries;
		expect(b?.raw).toBe(a?.raw);
		expect(c?.raw).toBe(a?.raw);
		await verify(c as Receiver["deliveries"][number]);
		const id = (JSON.parse(a?.raw ?? "{}") as { id: string }).id;
		expect(logs).toContainEqual(
			expect.stringContaining(
				`payment_intent.created ${id} to ${endpoint.url} failed (HTTP 500, attempt 1/3); retrying in 20 ms`,
			),
		);
		expect(logs).toContainEqual(
			expect.stringContaining(
				`delivered payment_intent.created ${id} to ${endpoint.url} (HTTP 200, attempt 3)`,
			),
		);
	});

	it("gives up after the configured attempts and goes on with the next event", async () => {
		const endpoint = await receiver((n) => (n <= 3 ? 503 : 200));
		const pi = await order();
		await stripe.paymentIntents.cancel(pi.id);
		await standin.idle();
		expect(typesOf(endpoint)).toEqual([
			"payment_intent.created",
			"payment_intent.created",
			"payment_intent.created",
			"payment_intent.canceled",
		]);
		const created = eventsFor(pi.id)[0];
		expect(logs).toContainEqual(
			expect.stringContaining(
				`gave up on payment_intent.created ${created?.id} to ${endpoint.url} after 3 attempts (HTTP 503)`,
			),
		);
	});

	it("sends the decline and the refund events with the objects as they were", async () => {
		const endpoint = await receiver();
		const pi = await order(3000);
		await caught(() =>
			stripe.paymentIntents.confirm(pi.id, {
				payment_method: "pm_card_chargeDeclined",
			}),
		);
		await stripe.paymentIntents.confirm(pi.id, {
			payment_method: "pm_card_visa",
		});
		const refund = await stripe.refunds.create({
			payment_intent: pi.id,
			amount: 1000,
		});
		await standin.idle();
		const events = await Promise.all(endpoint.deliveries.map((d) => verify(d)));
		expect(events.map((e) => e.type)).toEqual([
			"payment_intent.created",
			"charge.failed",
			"payment_intent.payment_failed",
			"charge.succeeded",
			"payment_intent.succeeded",
			"refund.created",
			"charge.refunded",
		]);
		expect(events[2]?.data.object).toMatchObject({
			status: "requires_payment_method",
			last_payment_error: { code: "card_declined" },
		});
		expect(events[5]?.data.object).toMatchObject({
			id: refund.id,
			amount: 1000,
			payment_intent: pi.id,
		});
		expect(events[6]?.data.object).toMatchObject({
			object: "charge",
			payment_intent: pi.id,
			amount_refunded: 1000,
			refunded: false,
		});
	});
});

describe("fail-next control", () => {
	it("answers an injected 500 that the SDK raises as StripeAPIError, creating nothing", async () => {
		const before = standin.events().length;
		standin.failNext({
			method: "POST",
			path: "/v1/payment_intents",
			mode: { status: 500 },
		});
		const err = await caught(() => order());
		expect(err).toBeInstanceOf(errors.StripeAPIError);
		expect(err).toMatchObject({ statusCode: 500, rawType: "api_error" });
		expect(standin.events()).toHaveLength(before);
		expect((await order()).status).toBe("requires_payment_method");
	});

	it("lets the SDK's own retry, with the same Idempotency-Key, go through", async () => {
		standin.failNext({
			path: /^\/v1\/payment_intents$/,
			mode: { status: 503 },
		});
		const retrying = client({ maxNetworkRetries: 1 });
		const attempts: (string | undefined)[] = [];
		retrying.on("request", (e: Stripe.RequestEvent) =>
			attempts.push(e.idempotency_key),
		);
		const pi = await retrying.paymentIntents.create({
			amount: 800,
			currency: "usd",
		});
		expect(pi.amount).toBe(800);
		expect(attempts).toHaveLength(2);
		expect(attempts[1]).toBe(attempts[0]);
		const events = eventsFor(pi.id);
		expect(events.map((e) => e.type)).toEqual(["payment_intent.created"]);
		expect(events[0]?.request.idempotency_key).toBe(attempts[0]);
	});

	it("hangs a request when told so over HTTP, and the SDK times out", async () => {
		const res = await fetch(`${standin.url}/__control/fail-next`, {
			method: "POST",
			body: JSON.stringify({
				method: "POST",
				path: "/v1/payment_intents",
				mode: "hang",
			}),
		});
		expect(res.status).toBe(200);
		const err = await caught(() =>
			client({ timeout: 300 }).paymentIntents.create({
				amount: 100,
				currency: "usd",
			}),
		);
		expect(err).toBeInstanceOf(errors.StripeConnectionError);
		expect((err as Error).message).toBe(
			"Request aborted due to timeout being reached (300ms)",
		);
		expect((await order()).object).toBe("payment_intent");
	});

	it("refuses malformed rules, and is off unless enabled", async () => {
		const res = await fetch(`${standin.url}/__control/fail-next`, {
			method: "POST",
			body: JSON.stringify({ mode: "explode" }),
		});
		expect(res.status).toBe(400);

		const plain = await startStripeStandin({ port: 0, webhookSecret: "x" });
		try {
			expect(() => plain.failNext({ mode: "hang" })).toThrow(/control: true/);
			const off = await fetch(`${plain.url}/__control/fail-next`, {
				method: "POST",
				headers: { authorization: `Bearer ${API_KEY}` },
				body: JSON.stringify({ mode: "hang" }),
			});
			expect(off.status).toBe(404);
		} finally {
			await plain.close();
		}
	});
});
