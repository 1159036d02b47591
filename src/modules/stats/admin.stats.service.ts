import type { Db } from "../../db/client";
import { validationFailed } from "../../lib/errors";
import { statsSql } from "./admin.stats.queries";

const DAY_MS = 24 * 60 * 60 * 1000;
/** The widest window one request may ask for (buckets stay a chart's worth). */
export const MAX_DAYS = 366;

/** The dashboard for [from, to) (default: the last 30 days), in one round trip. */
export async function shopStats(
	db: Db,
	q: { from?: string; to?: string; interval: "day" | "week" },
): Promise<unknown> {
	const to = q.to ? new Date(q.to) : new Date();
	const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * DAY_MS);
	const span = to.getTime() - from.getTime();
	if (span <= 0 || span > MAX_DAYS * DAY_MS)
		throw validationFailed(
			`from must be before to, at most ${MAX_DAYS} days apart`,
			{ path: "from", message: "out of range", code: "custom" },
		);
	const { rows } = await db.execute<{ stats: unknown }>(
		statsSql({
			from: from.toISOString(),
			to: to.toISOString(),
			interval: q.interval,
		}),
	);
	return rows[0]?.stats;
}
