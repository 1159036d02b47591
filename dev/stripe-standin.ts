/**
 * A local stand-in for the slice of Stripe's REST API v1 an order flow uses: PaymentIntents
 * (create, retrieve, confirm, cancel), Refunds (create, retrieve), and reads of Charges and
 * Events. It answers as the `stripe` SDK expects (form-encoded parameters, Stripe's error
 * envelope, Idempotency-Key replays, Request-Id) and sends every state change as a signed
 * webhook event. State is in memory.
 *
 *   npx tsx dev/stripe-standin.ts   # env: STRIPE_STANDIN_PORT (8790), STRIPE_WEBHOOK_SECRET
 *                                   #      (whsec_local_dev_secret), STRIPE_WEBHOOK_URL (none),
 *                                   #      STRIPE_STANDIN_CONTROL=1 (the control surface below)
 *
 * Point the SDK at it with `{ host, port, protocol: "http" }` and any `sk_test_…` key. Test
 * payment methods: pm_card_visa, pm_card_mastercard (succeed), pm_card_chargeDeclined,
 * pm_card_chargeDeclinedInsufficientFunds (decline).
 *
 * Control surface (only with `control: true`): `failNext(rule)`, or `POST /__control/fail-next`
 * with the rule as JSON, `{ method?, path?, times? = 1, mode: { status } | "hang" }`, makes the
 * next matching request(s) answer that status (Stripe's error envelope) or never answer. It acts
 * in front of the API: nothing is created and no idempotent result is saved, so a client's retry
 * goes through. Over HTTP `path` is an exact path; failNext() also takes a RegExp.
 */
import {
	createServer,
	type IncomingMessage,
	type ServerResponse,
} from "node:http";
import Stripe from "stripe";
import {
	authority,
	closeServer,
	listen,
	portFrom,
	readBody,
	runFromCli,
	sendJson,
} from "./ports";
import {
	canonical,
	expandOf,
	type FormObject,
	parseForm,
	StripeApiError,
} from "./stripe-form";
import { randomId, type StripeObject } from "./stripe-objects";
import {
	apiKeyOf,
	type FailureRule,
	FailureRules,
	header,
	IdempotencyCache,
	invalid,
	type Outcome,
	pretty,
	send,
	versionOf,
} from "./stripe-requests";
import { checkExpand, StripeStore } from "./stripe-store";
import {
	type DeliveryRetries,
	type StripeEvent,
	WebhookSender,
} from "./stripe-webhooks";

export type { FailureRule } from "./stripe-requests";
export type { DeliveryRetries, StripeEvent } from "./stripe-webhooks";

export interface StripeStandinOptions {
	/** Default 127.0.0.1. */
	host?: string;
	/** 0 picks a free port. */
	port: number;
	/** Signs webhook events; the receiver verifies with the same `whsec_…` value. */
	webhookSecret: string;
	/** Where events are POSTed; without it they are only recorded (see events()). */
	webhookUrl?: string;
	/** Webhook delivery outcomes and internal faults; default stderr. */
	log?: (line: string) => void;
	/** Default 5 attempts, the first retry after 1 s. */
	deliveryRetries?: DeliveryRetries;
	/** Enables failNext() and POST /__control/fail-next. */
	control?: boolean;
}

export interface StripeStandin {
	/** http://host:port */
	url: string;
	host: string;
	port: number;
	/** Every event created so far, oldest first, delivered or not. */
	events(): StripeEvent[];
	/** Where events created from now on go; undefined stops delivery (events are still recorded). */
	setWebhookUrl(url: string | undefined): void;
	/** Resolves when no webhook delivery is queued, in flight or waiting to retry. */
	idle(): Promise<void>;
	/** Makes the next matching request(s) fail; needs `control: true`. */
	failNext(rule: FailureRule): void;
	/** Stops the server and abandons pending deliveries (await idle() first to flush them). */
	close(): Promise<void>;
}

type Run = (id: string, form: FormObject) => StripeObject;

const CONTROL_PATH = "/__control/fail-next";
const EVENTS_PATH = "/__control/events";

/** Whether an event is about the object `id` (itself, or a charge/refund of that PaymentIntent). */
function concerns(event: StripeEvent, id: string): boolean {
	const object = event.data.object;
	return object.id === id || object.payment_intent === id;
}
const INJECTED =
	"Injected failure (fail-next control of the local Stripe stand-in).";

const errorMessage = (err: unknown) =>
	err instanceof Error ? err.message : String(err);

export async function startStripeStandin(
	opts: StripeStandinOptions,
): Promise<StripeStandin> {
	const host = opts.host ?? "127.0.0.1";
	const log = opts.log ?? ((line: string) => console.error(line));
	const store = new StripeStore();
	const webhooks = new WebhookSender({
		secret: opts.webhookSecret,
		url: opts.webhookUrl,
		apiVersion: Stripe.API_VERSION,
		retries: opts.deliveryRetries ?? { attempts: 5, baseDelayMs: 1000 },
		timeoutMs: 10_000,
		log,
	});
	const replays = new IdempotencyCache();
	const failures = new FailureRules();
	/** "METHOD path" with `:id` for the object id. */
	const routes: Record<string, Run> = {
		"POST /v1/payment_intents": (_, f) => store.createPaymentIntent(f),
		"GET /v1/payment_intents/:id": (id, f) =>
			store.retrieve("payment_intent", id, f),
		"POST /v1/payment_intents/:id/confirm": (id, f) =>
			store.confirmPaymentIntent(id, f),
		"POST /v1/payment_intents/:id/cancel": (id, f) =>
			store.cancelPaymentIntent(id, f),
		"POST /v1/refunds": (_, f) => store.createRefund(f),
		"GET /v1/refunds/:id": (id, f) => store.retrieve("refund", id, f),
		"GET /v1/charges/:id": (id, f) => store.retrieve("charge", id, f),
		"GET /v1/events/:id": (id, f) => store.retrieve("event", id, f),
	};

	/** The handler, the path's object id, and the kind of object it answers with. */
	function route(
		method: string,
		path: string,
	): { run: Run; id: string; kind: string } {
		const [, version, resource, id, action, ...more] = path.split("/");
		const pattern = [version, resource, id && ":id", action]
			.filter((part) => part !== undefined)
			.join("/");
		const run = more.length === 0 ? routes[`${method} /${pattern}`] : undefined;
		// "payment_intents" answers payment_intent objects, "refunds" refund objects, …
		const kind = (resource ?? "").slice(0, -1);
		if (run) return { run, id: decode(id ?? ""), kind };
		throw invalid(
			404,
			`Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
		);
	}

	async function handle(
		req: IncomingMessage,
		res: ServerResponse,
	): Promise<void> {
		const requestId = randomId("req", 14);
		res.setHeader("request-id", requestId);
		const method = req.method ?? "GET";
		const url = new URL(req.url ?? "/", "http://x");
		if (opts.control && method === "POST" && url.pathname === CONTROL_PATH)
			return control(await readBody(req), res);
		if (opts.control && method === "GET" && url.pathname === EVENTS_PATH) {
			// Tests inside workerd cannot receive webhooks: they fetch the events and post them.
			const about = url.searchParams.get("object");
			const data = webhooks
				.events()
				.filter((e) => !about || concerns(e, about));
			return sendJson(res, 200, { data });
		}
		const failure = failures.take(method, url.pathname);
		if (failure === "hang") return; // never answered; close() drops the connection
		if (failure) {
			const type =
				failure.status >= 500 ? "api_error" : "invalid_request_error";
			return send(
				res,
				failure.status,
				pretty({ error: { type, message: INJECTED } }),
			);
		}
		const text = await readBody(req);
		const key =
			method === "POST" ? header(req.headers, "idempotency-key") : undefined;
		let outcome: Outcome;
		let saving: { apiKey: string; key: string; params: string } | undefined;
		try {
			const version = header(req.headers, "stripe-version");
			res.setHeader("stripe-version", versionOf(version, Stripe.API_VERSION));
			const apiKey = apiKeyOf(header(req.headers, "authorization"));
			const { run, id, kind } = route(method, url.pathname);
			const form = parseForm(method === "POST" ? text : url.search.slice(1));
			const expand = expandOf(form);
			checkExpand(kind, expand);
			if (key !== undefined) {
				res.setHeader("idempotency-key", key);
				saving = { apiKey, key, params: canonical(form) };
				const saved = replays.find(apiKey, key, url.pathname, saving.params);
				if (saved) {
					res.setHeader("idempotent-replayed", "true");
					res.setHeader("original-request", saved.requestId);
					return send(res, saved.status, saved.body);
				}
			}
			const body = pretty(store.render(run(id, form), expand));
			outcome = { status: 200, body, saved: true };
		} catch (err) {
			if (!(err instanceof StripeApiError)) throw err;
			if (err.status === 401)
				res.setHeader("www-authenticate", 'Basic realm="Stripe"');
			const body = pretty({ error: err.body });
			outcome = { status: err.status, body, saved: err.saved };
		}
		if (saving && outcome.saved)
			replays.save(saving.apiKey, saving.key, {
				...outcome,
				path: url.pathname,
				params: saving.params,
				requestId,
			});
		send(res, outcome.status, outcome.body);
		// Published once the answer is sent: deliveries never overtake the API response.
		const request = { id: requestId, idempotency_key: key ?? null };
		for (const event of webhooks.publish(store.takeChanges(), request))
			store.add(event);
	}

	function failNext(rule: FailureRule): void {
		if (!opts.control)
			throw new Error(
				"the Stripe stand-in's control surface is off: start it with control: true",
			);
		failures.add(rule);
	}

	function control(text: string, res: ServerResponse): void {
		try {
			failures.addJson(text);
			sendJson(res, 200, { ok: true });
		} catch (err) {
			const message = `fail-next: ${errorMessage(err)}`;
			sendJson(res, 400, { error: { type: "invalid_request_error", message } });
		}
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((err: unknown) => {
			log(`stripe stand-in: ${errorMessage(err)}`);
			const message =
				"An unexpected error occurred in the local Stripe stand-in.";
			if (!res.headersSent)
				send(res, 500, pretty({ error: { type: "api_error", message } }));
		});
	});
	const port = await listen(server, {
		host,
		port: opts.port,
		label: "stripe stand-in",
		envVar: "STRIPE_STANDIN_PORT",
	});
	return {
		url: `http://${authority(host, port)}`,
		host,
		port,
		events: () => webhooks.events(),
		setWebhookUrl: (url) => webhooks.setUrl(url),
		idle: () => webhooks.idle(),
		failNext,
		async close() {
			await closeServer(server);
			await webhooks.close();
		},
	};
}

function decode(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

async function main(): Promise<{ close(): Promise<void> }> {
	const env = process.env;
	const secret = env.STRIPE_WEBHOOK_SECRET || "whsec_local_dev_secret";
	const webhookUrl = env.STRIPE_WEBHOOK_URL || undefined;
	const standin = await startStripeStandin({
		port: portFrom("STRIPE_STANDIN_PORT", 8790),
		webhookSecret: secret,
		webhookUrl,
		control: env.STRIPE_STANDIN_CONTROL === "1",
		log: (line) => console.log(line),
	});
	console.log(
		`stripe stand-in: ${standin.url} (SDK options: host ${standin.host}, port ${standin.port}, protocol http; any sk_test_ key)`,
	);
	console.log(`STRIPE_WEBHOOK_SECRET=${secret}`);
	console.log(
		`webhooks: ${webhookUrl ?? "recorded, not delivered (set STRIPE_WEBHOOK_URL)"}`,
	);
	return standin;
}

runFromCli(import.meta.url, main);
