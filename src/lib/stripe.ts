import Stripe from "stripe";
import type { Config } from "../env";

/** The Stripe API version VoidShop is written against (the SDK's own pin; events use it too). */
export const STRIPE_API_VERSION = "2026-10-28.endive";

/**
 * A Stripe client for this invocation: the fetch HTTP client (Workers have no Node http), a bounded
 * deadline (STRIPE_TIMEOUT_MS for both attempts together) and one network retry (every POST carries an idempotency key, so a retry is safe).
 * `STRIPE_LOCAL_URL` points it at the local stand-in (dev/stripe-standin.ts); production refuses it.
 */
export function createStripe(config: Config): Stripe {
	const local = config.STRIPE_LOCAL_URL
		? new URL(config.STRIPE_LOCAL_URL)
		: undefined;
	return new Stripe(config.STRIPE_SECRET_KEY, {
		apiVersion: STRIPE_API_VERSION,
		httpClient: Stripe.createFetchHttpClient(),
		// STRIPE_TIMEOUT_MS bounds the whole call: two attempts of half of it each (plus the SDK's
		// ~0.5 s backoff), so a hung Stripe costs a checkout about STRIPE_TIMEOUT_MS, not twice it.
		timeout: Math.ceil(config.STRIPE_TIMEOUT_MS / 2),
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
