import { neonConfig, Pool } from "@neondatabase/serverless";
import ws from "ws";
import { readDevVars } from "./dev-vars";
import { localPorts } from "./ports";

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
 * `--neon`: DATABASE_URL is a Neon connection string. Otherwise the running local stack: the
 * proxy (its /v2 relay) on the port `npm run dev` bound, NEON_PROXY_PORT or .dev.vars' endpoint.
 */
export function scriptTarget(neon: boolean): DbTarget {
	return resolveScriptTarget(neon, readDevVars(), process.env);
}

export function resolveScriptTarget(
	neon: boolean,
	vars: Record<string, string | undefined>,
	env: Record<string, string | undefined>,
): DbTarget {
	if (neon) {
		const connectionString = env.DATABASE_URL;
		if (!connectionString)
			throw new Error("DATABASE_URL must be set to the Neon connection string");
		return { connectionString };
	}
	const connectionString = env.DATABASE_URL || vars.DATABASE_URL;
	if (!connectionString)
		throw new Error(
			"DATABASE_URL must be set (see .dev.vars.example); is `npm run dev` running?",
		);
	return {
		connectionString,
		wsProxy: `127.0.0.1:${localPorts(vars, env).neonProxy}/v2`,
	};
}
