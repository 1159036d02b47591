import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-http";
import type { Config } from "../env";
import type { DbMeter } from "../lib/timing";
import * as schema from "./schema";

/** Rides along in each client's fetchOptions so the shared fetch wrapper knows whose round trip it is. */
const METER = Symbol("db-meter");
type MeteredInit = RequestInit & { [METER]?: DbMeter };

// neonConfig.fetchFunction is global to the isolate; the meter travels per client instead.
neonConfig.fetchFunction = async (url: string, init: MeteredInit) => {
	const started = Date.now();
	try {
		return await fetch(url, init);
	} finally {
		init[METER]?.record(Date.now() - started);
	}
};

/**
 * A Drizzle database on neon-http for one request: every query (or `db.batch`) is exactly one
 * HTTPS round trip, counted on `meter`.
 */
export function createDb(config: Config, meter: DbMeter) {
	// Global too, but identical for every request of an isolate; unset means Neon's own endpoint.
	if (config.NEON_LOCAL_FETCH_ENDPOINT)
		neonConfig.fetchEndpoint = config.NEON_LOCAL_FETCH_ENDPOINT;
	const client = neon(config.DATABASE_URL, {
		fetchOptions: { [METER]: meter },
	});
	return drizzle({ client, schema, casing: "snake_case" });
}

export type Db = ReturnType<typeof createDb>;
