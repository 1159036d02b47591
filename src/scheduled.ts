import { log } from "./lib/log";
import { purgeExpiredAuthTokens } from "./modules/auth/auth.jobs";
import { purgeStaleGuestCarts } from "./modules/cart/cart.jobs";
import { purgeOrphanImages } from "./modules/catalog/image-cleanup.jobs";
import {
	expireUnpaidOrders,
	purgeExpiredIdempotencyKeys,
	releaseStaleRefundReservations,
} from "./modules/orders/expiry.jobs";
import type { Services } from "./services";

interface ScheduledJob {
	name: string;
	run: (services: Services) => Promise<unknown>;
}

/**
 * Periodic maintenance, every run of the cron trigger: expired auth tokens, stale guest carts,
 * unpaid orders past their payment deadline, expired Idempotency-Key records, R2 objects of
 * deleted images, admin refund reservations left by a request that died.
 */
const jobs: ScheduledJob[] = [
	{ name: "purge-auth-tokens", run: ({ db }) => purgeExpiredAuthTokens(db) },
	{ name: "purge-guest-carts", run: ({ db }) => purgeStaleGuestCarts(db) },
	{
		name: "expire-unpaid-orders",
		run: (services) => expireUnpaidOrders(services),
	},
	{
		name: "purge-idempotency-keys",
		run: ({ db }) => purgeExpiredIdempotencyKeys(db),
	},
	{
		name: "purge-orphan-images",
		run: (services) => purgeOrphanImages(services),
	},
	{
		name: "release-stale-refund-reservations",
		run: ({ db }) => releaseStaleRefundReservations(db),
	},
];

/** Runs every job; one failing job never stops the others, and each outcome is logged. */
export async function runScheduled(
	controller: ScheduledController,
	services: Services,
): Promise<void> {
	const results = await Promise.allSettled(
		jobs.map((job) => job.run(services)),
	);
	results.forEach((result, i) => {
		const name = jobs[i]?.name;
		if (result.status === "fulfilled")
			log("info", "scheduled job done", {
				job: name,
				cron: controller.cron,
				result: result.value,
			});
		else
			log("error", "scheduled job failed", {
				job: name,
				cron: controller.cron,
				error: String(result.reason),
			});
	});
}
