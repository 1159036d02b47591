import Stripe from "stripe";
import type { Config } from "../env";
import { deadlineSignal } from "./deadline";

/** The Stripe API version VoidShop is written against (the SDK's own pin; events use it too). */
export const STRIPE_API_VERSION = "2026-10-28.endive";

/**
 * fetch with each request bounded by a stall-aware deadline of `ms` (lib/deadline.ts), besides
 * the signal the SDK passes. The SDK's own timeout is a plain setTimeout: when other work held the
 * isolate across a call, it fires overdue before Stripe's timely answer is read, and a checkout
 * then cancels an order Stripe accepted. The global fetch is looked up per request (tests swap it).
 */
function fetchWithDeadline(ms: number): typeof fetch {
	return (input, init) => {
		const deadline = deadlineSignal(ms);
		return fetch(input, {
			...init,
			signal: init?.signal
				? AbortSignal.any([init.signal, deadline])
				: deadline,
		});
	};
}

/**
 * A Stripe client for this invocation: the fetch HTTP client (Workers have no Node http), a bounded
 * deadline (STRIPE_TIMEOUT_MS for both attempts together, not counting time the isolate spent
 * stalled) and one network retry (every POST carries an idempotency key, so a retry is safe).
 * `STRIPE_LOCAL_URL` points it at the local stand-in (dev/stripe-standin.ts); production refuses it.
 */
export function createStripe(config: Config): Stripe {
	const local = config.STRIPE_LOCAL_URL
		? new URL(config.STRIPE_LOCAL_URL)
		: undefined;
	return new Stripe(config.STRIPE_SECRET_KEY, {
		apiVersion: STRIPE_API_VERSION,
		// STRIPE_TIMEOUT_MS bounds the whole call: two attempts of half of it each (plus the SDK's
		// ~0.5 s backoff), so a hung Stripe costs a checkout about STRIPE_TIMEOUT_MS, not twice it.
		// Each attempt (response body included: the signal stays on the body read) is bounded by
		// fetchWithDeadline; the SDK's own timer is only a backstop, long enough that a stall
		// would have to outlast it to fire it before an answer that came in time is read.
		httpClient: Stripe.createFetchHttpClient(
			fetchWithDeadline(Math.ceil(config.STRIPE_TIMEOUT_MS / 2)),
		),
		timeout: 4 * config.STRIPE_TIMEOUT_MS,
		maxNetworkRetries: 1,
		telemetry: false,
		...(local && {
			host: local.hostname,
			port: Number(local.port || (local.protocol === "https:" ? 443 : 80)),
			protocol: local.protocol === "https:" ? "https" : "http",
		}),
	});
}

/** Verifies webhook signatures with Web Crypto (no Node crypto in Workers). */
export const stripeCrypto: Stripe.CryptoProvider =
	Stripe.createSubtleCryptoProvider();
