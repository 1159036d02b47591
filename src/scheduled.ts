import { log } from "./lib/log";
import { purgeAuthTokensJob } from "./modules/auth/auth.jobs";
import { purgeGuestCartsJob } from "./modules/cart/cart.jobs";

export type ScheduledJob = {
	name: string;
	run: (env: Env, ctx: ExecutionContext) => Promise<unknown>;
};

/** Periodic maintenance (token purge, reservation expiry, cart purge) registered by modules. */
const jobs: ScheduledJob[] = [purgeAuthTokensJob, purgeGuestCartsJob];

/** Runs every job; one failing job never stops the others, and each outcome is logged. */
export async function runScheduled(
	controller: ScheduledController,
	env: Env,
	ctx: ExecutionContext,
): Promise<void> {
	const results = await Promise.allSettled(
		jobs.map((job) => job.run(env, ctx)),
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
