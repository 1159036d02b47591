import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../env";
import { deadlineSignal } from "../lib/deadline";
import type { DbMeter } from "../lib/timing";

/**
 * Ride along in each client's fetchOptions (the driver spreads them into every fetch it makes), so
 * the one isolate-wide fetch wrapper below knows whose round trip it is and where it goes.
 */
const METER = Symbol("db-meter");
const ENDPOINT = Symbol("db-endpoint");
const TIMEOUT = Symbol("db-timeout");
type ClientInit = RequestInit & {
	[METER]?: DbMeter;
	[ENDPOINT]?: string;
	[TIMEOUT]?: number;
};

// neonConfig is global to the isolate, so nothing per-client is ever written to it: the wrapper
// is the same for every client and reads the meter and the local endpoint from the call itself.
neonConfig.fetchFunction = async (url: string, init: ClientInit) => {
	const started = Date.now();
	try {
		// A fresh deadline per round trip (a signal in fetchOptions would be shared by every query
		// of the client and start counting when it is built); it also bounds reading the body, and
		// does not count time the isolate spent stalled (lib/deadline.ts).
		const timeout = init[TIMEOUT];
		const signal =
			timeout === undefined ? init.signal : deadlineSignal(timeout);
		return await fetch(init[ENDPOINT] ?? url, { ...init, signal });
	} finally {
		init[METER]?.record(Date.now() - started);
	}
};

/**
 * A Drizzle database on neon-http for one request, queue batch or cron run: every query (or
 * `db.batch`) is exactly one HTTPS round trip, counted on `meter`. With
 * NEON_LOCAL_FETCH_ENDPOINT (local stack only) this client's queries go there instead of Neon.
 * Each round trip is aborted after DB_TIMEOUT_MS; the error handler answers that 503.
 */
export function createDb(config: Config, meter: DbMeter) {
	const fetchOptions: ClientInit = {
		[METER]: meter,
		[TIMEOUT]: config.DB_TIMEOUT_MS,
	};
	if (config.NEON_LOCAL_FETCH_ENDPOINT)
		fetchOptions[ENDPOINT] = config.NEON_LOCAL_FETCH_ENDPOINT;
	const client = neon(config.DATABASE_URL, { fetchOptions });
	// No `schema`: the relational query API (`db.query.*`) is not used, and passing the schema
	// makes drizzle rebuild its relational config on every construction (≈0.3 ms of CPU per
	// request, measured), which is most of what a cached response costs.
	return drizzle({ client, casing: "snake_case" });
}

export type Db = ReturnType<typeof createDb>;
