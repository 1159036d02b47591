import type { Redis } from "@upstash/redis/cloudflare";
import type Stripe from "stripe";
import { createDb, type Db } from "./db/client";
import { type Config, loadConfig } from "./env";
import { createRedis } from "./lib/redis";
import { createStripe } from "./lib/stripe";
import { DbMeter } from "./lib/timing";
import { type EmailQueue, emailQueue } from "./modules/emails/emails.messages";

/**
 * What a request, a queue batch or a cron run works with, built once per invocation by
 * `createServices`: handlers read `c.var.services`, consumers and jobs receive it as an argument.
 * Nothing here opens a connection, so building it costs nothing until a client is used.
 */
export interface Services {
	/** The validated configuration (cached per isolate; see loadConfig). */
	config: Config;
	/** Database round trips of this invocation, reported in Server-Timing and log lines. */
	meter: DbMeter;
	readonly db: Db;
	readonly redis: Redis;
	emails: EmailQueue;
	/** Stripe API client, built on first use (most invocations never call Stripe). */
	readonly stripe: Stripe;
	/** Verified Stripe webhook events for the `stripe-events` consumer. */
	stripeEvents: Queue;
	/** Product images (R2). */
	images: R2Bucket;
	/** Business data points (Workers Analytics Engine); undefined where it is not bound. */
	analytics: AnalyticsEngineDataset | undefined;
	/**
	 * Keeps the invocation alive until `work` settles, after the response has gone. Without an
	 * execution context (an app a test builds and calls directly) the work still runs, unawaited.
	 */
	waitUntil(work: Promise<unknown>): void;
}

/**
 * The one place dependencies are built, for fetch (per request, see requestContext), queue (per
 * batch) and scheduled (per run) alike. Throws ConfigError when the env does not validate.
 */
export function createServices(
	env: Env,
	ctx?: Pick<ExecutionContext, "waitUntil">,
): Services {
	const config = loadConfig(env);
	const meter = new DbMeter();
	const waitUntil = (work: Promise<unknown>) => ctx?.waitUntil(work);
	// Clients are built on first use: a cached response or a 404 never needs them.
	let db: Db | undefined;
	let redis: Redis | undefined;
	let stripe: Stripe | undefined;
	return {
		config,
		meter,
		get db() {
			db ??= createDb(config, meter);
			return db;
		},
		get redis() {
			redis ??= createRedis(config);
			return redis;
		},
		emails: emailQueue(env.EMAIL_QUEUE, waitUntil),
		get stripe() {
			stripe ??= createStripe(config);
			return stripe;
		},
		stripeEvents: env.STRIPE_EVENTS_QUEUE,
		images: env.IMAGES,
		analytics: env.ANALYTICS as AnalyticsEngineDataset | undefined,
		waitUntil,
	};
}
