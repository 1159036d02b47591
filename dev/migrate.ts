/**
 * Applies drizzle/ migrations in one transaction over the Neon WebSocket protocol: against the
 * local stack's relay (when given a wsProxy) or, with a real Neon URL, against Neon itself.
 *
 *   npm run db:migrate                     # the local dev stack (ports from .dev.vars / env)
 *   DATABASE_URL=postgres://… npm run db:migrate -- --neon   # a Neon branch
 */
import { fileURLToPath } from "node:url";
import { neonConfig, Pool } from "@neondatabase/serverless";
import { drizzle } from "drizzle-orm/neon-serverless";
import { migrate as drizzleMigrate } from "drizzle-orm/neon-serverless/migrator";
import ws from "ws";

export const MIGRATIONS_FOLDER = fileURLToPath(
	new URL("../drizzle", import.meta.url),
);

export interface MigrateOptions {
	connectionString: string;
	/** host:port/v2 of the local relay; absent means a real Neon endpoint over wss. */
	wsProxy?: string;
}

export async function migrate({
	connectionString,
	wsProxy,
}: MigrateOptions): Promise<void> {
	neonConfig.webSocketConstructor = ws;
	if (wsProxy) {
		neonConfig.wsProxy = wsProxy;
		neonConfig.useSecureWebSocket = false;
		neonConfig.pipelineConnect = false;
		neonConfig.pipelineTLS = false;
	}
	const pool = new Pool({ connectionString, max: 1 });
	try {
		await drizzleMigrate(drizzle({ client: pool }), {
			migrationsFolder: MIGRATIONS_FOLDER,
		});
	} finally {
		await pool.end();
	}
}

async function main(): Promise<void> {
	const { readDevVars } = await import("./dev-vars");
	if (process.argv.includes("--neon")) {
		const url = process.env.DATABASE_URL;
		if (!url)
			throw new Error("DATABASE_URL must be set to the Neon connection string");
		await migrate({ connectionString: url });
	} else {
		const vars = readDevVars();
		const endpoint =
			process.env.NEON_LOCAL_FETCH_ENDPOINT ?? vars.NEON_LOCAL_FETCH_ENDPOINT;
		const url = process.env.DATABASE_URL ?? vars.DATABASE_URL;
		if (!url || !endpoint)
			throw new Error(
				"DATABASE_URL and NEON_LOCAL_FETCH_ENDPOINT must be set (see .dev.vars.example)",
			);
		// The proxy serves SQL-over-HTTP at /sql and the WebSocket relay at /v2 on the same port.
		await migrate({
			connectionString: url,
			wsProxy: `${new URL(endpoint).host}/v2`,
		});
	}
	console.log("migrations applied");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	main().catch((err: unknown) => {
		console.error(err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
