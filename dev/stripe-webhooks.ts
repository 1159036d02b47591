/**
 * Webhook events of the local Stripe stand-in: built from the store's changes, signed as Stripe
 * signs them (`Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`) and
 * delivered in the background, in order per PaymentIntent, retried with exponential backoff.
 */
import { createHmac } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { nowSeconds, randomId, type StripeObject } from "./stripe-objects";
import type { Change } from "./stripe-store";

export interface StripeEvent extends StripeObject {
	object: "event";
	api_version: string;
	created: number;
	data: { object: StripeObject };
	livemode: false;
	pending_webhooks: number;
	request: { id: string | null; idempotency_key: string | null };
	type: string;
}

export interface DeliveryRetries {
	/** Delivery attempts in all, the first included. */
	attempts: number;
	/** Wait before the second attempt; it doubles before each later one. */
	baseDelayMs: number;
}

interface WebhookSenderOptions {
	secret: string;
	url: string | undefined;
	apiVersion: string;
	retries: DeliveryRetries;
	/** Per attempt; a receiver slower than this counts as failed. */
	timeoutMs: number;
	log: (line: string) => void;
}

export class WebhookSender {
	readonly #opts: WebhookSenderOptions;
	readonly #events: StripeEvent[] = [];
	/** Last queued delivery per PaymentIntent: the next one starts when it has settled. */
	readonly #chains = new Map<string, Promise<void>>();
	readonly #pending = new Set<Promise<void>>();
	readonly #stop = new AbortController();
	#url: string | undefined;

	constructor(opts: WebhookSenderOptions) {
		this.#opts = opts;
		this.#url = opts.url;
	}

	setUrl(url: string | undefined): void {
		this.#url = url;
	}

	events(): StripeEvent[] {
		return [...this.#events];
	}

	/** Makes events of the changes and queues their delivery to the URL set now. */
	publish(changes: Change[], request: StripeEvent["request"]): StripeEvent[] {
		const url = this.#url;
		return changes.map(({ type, object, flow }) => {
			const event: StripeEvent = {
				id: randomId("evt"),
				object: "event",
				api_version: this.#opts.apiVersion,
				created: nowSeconds(),
				data: { object },
				livemode: false,
				pending_webhooks: url ? 1 : 0,
				request,
				type,
			};
			this.#events.push(event);
			if (url) this.#enqueue(flow, () => this.#deliver(event, url));
			return event;
		});
	}

	/** Resolves once no delivery is queued, running or waiting to retry. */
	async idle(): Promise<void> {
		while (this.#pending.size > 0) await Promise.all(this.#pending);
	}

	/** Abandons queued deliveries and retries, and waits for running ones to stop. */
	async close(): Promise<void> {
		this.#stop.abort();
		await this.idle();
	}

	#enqueue(flow: string, task: () => Promise<void>): void {
		const run = (this.#chains.get(flow) ?? Promise.resolve()).then(task);
		this.#chains.set(flow, run);
		this.#pending.add(run);
		run.then(() => {
			this.#pending.delete(run);
			if (this.#chains.get(flow) === run) this.#chains.delete(flow);
		});
	}

	/** Never rejects: failures are retried, then logged and dropped. */
	async #deliver(event: StripeEvent, url: string): Promise<void> {
		const body = JSON.stringify(event, null, 2);
		const { attempts, baseDelayMs } = this.#opts.retries;
		const what = `${event.type} ${event.id} to ${url}`;
		for (let attempt = 1; !this.#stop.signal.aborted; attempt++) {
			const outcome = await this.#post(url, body);
			if (this.#stop.signal.aborted) return;
			if (typeof outcome === "number" && outcome >= 200 && outcome < 300) {
				this.#opts.log(
					`stripe stand-in: delivered ${what} (HTTP ${outcome}, attempt ${attempt})`,
				);
				return;
			}
			const failure = typeof outcome === "number" ? `HTTP ${outcome}` : outcome;
			if (attempt >= attempts) {
				this.#opts.log(
					`stripe stand-in: gave up on ${what} after ${attempt} attempts (${failure})`,
				);
				return;
			}
			const delay = baseDelayMs * 2 ** (attempt - 1);
			this.#opts.log(
				`stripe stand-in: ${what} failed (${failure}, attempt ${attempt}/${attempts}); retrying in ${delay} ms`,
			);
			await sleep(delay, undefined, { signal: this.#stop.signal }).catch(
				() => {},
			);
		}
	}

	/** One signed POST (a fresh timestamp per attempt, as Stripe does): the status, or why it failed. */
	async #post(url: string, body: string): Promise<number | string> {
		const signal = AbortSignal.any([
			this.#stop.signal,
			AbortSignal.timeout(this.#opts.timeoutMs),
		]);
		try {
			const res = await fetch(url, {
				method: "POST",
				body,
				redirect: "manual",
				signal,
				headers: {
					accept: "*/*; q=0.5, application/xml",
					"cache-control": "no-cache",
					"content-type": "application/json; charset=utf-8",
					"stripe-signature": signatureHeader(
						this.#opts.secret,
						body,
						nowSeconds(),
					),
					"user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
				},
			});
			await res.arrayBuffer();
			return res.status;
		} catch (err) {
			const cause = (err as { cause?: { code?: unknown } }).cause?.code;
			if (typeof cause === "string") return cause;
			return err instanceof Error ? err.message : String(err);
		}
	}
}

function signatureHeader(
	secret: string,
	payload: string,
	timestamp: number,
): string {
	const v1 = createHmac("sha256", secret)
		.update(`${timestamp}.${payload}`)
		.digest("hex");
	return `t=${timestamp},v1=${v1}`;
}
