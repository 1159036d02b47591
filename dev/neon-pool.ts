import { neonConfig, Pool } from "@neondatabase/serverless";
import ws from "ws";
import { readDevVars } from "./dev-vars";

/** Where a Node script's database is: the local stack's relay, or Neon itself. */
export interface DbTarget {
	connectionString: string;
	/** host:port/v2 of the local relay; absent means a real Neon endpoint over wss. */
	wsProxy?: string;
}

/**
 * A Neon Pool over WebSocket (interactive transactions from Node scripts): through the local
 * stack's relay when `wsProxy` is given, else straight to Neon.
 */
export function openPool({ connectionString, wsProxy }: DbTarget): Pool {
	neonConfig.webSocketConstructor = ws;
	if (wsProxy) {
		neonConfig.wsProxy = wsProxy;
		neonConfig.useSecureWebSocket = false;
		neonConfig.pipelineConnect = false;
		neonConfig.pipelineTLS = false;
	}
	return new Pool({ connectionString, max: 1 });
}

/**
 * `--neon`: DATABASE_URL is a Neon connection string. Otherwise the running local stack, from
 * .dev.vars (or the environment): the proxy serves /sql and the /v2 relay on the same port.
 */
export function scriptTarget(neon: boolean): DbTarget {
	if (neon) {
		const connectionString = process.env.DATABASE_URL;
		if (!connectionString)
			throw new Error("DATABASE_URL must be set to the Neon connection string");
		return { connectionString };
	}
	const vars = readDevVars();
	const connectionString = process.env.DATABASE_URL ?? vars.DATABASE_URL;
	const endpoint =
		process.env.NEON_LOCAL_FETCH_ENDPOINT ?? vars.NEON_LOCAL_FETCH_ENDPOINT;
	if (!connectionString || !endpoint) {
		throw new Error(
			"DATABASE_URL and NEON_LOCAL_FETCH_ENDPOINT must be set (see .dev.vars.example); is `npm run dev` running?",
		);
	}
	return { connectionString, wsProxy: `${new URL(endpoint).host}/v2` };
}
