/**
 * The local stack: a Neon-compatible proxy and an Upstash-compatible bridge, over embedded
 * backends (PostgreSQL 17 from npm, an in-process Redis store) unless real PostgreSQL / Redis URLs
 * are given.
 *
 *   npm run stack     # env: LOCAL_DATABASE_URL, LOCAL_REDIS_URL (as npm run dev),
 *                     #      EMBEDDED_POSTGRES_DIR (.data/postgres), EMBEDDED_POSTGRES_PORT (8791),
 *                     #      NEON_PROXY_PORT (8788), UPSTASH_PORT (8789),
 *                     #      UPSTASH_REDIS_REST_TOKEN (local-dev-token)
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import pg from "pg";
import {
	type EmbeddedPostgres,
	startEmbeddedPostgres,
} from "./embedded-postgres";
import { startNeonProxy } from "./neon-proxy";
import { portFrom, runFromCli } from "./ports";
import { startUpstashBridge } from "./upstash-bridge";

export interface StackOptions {
	/** An existing PostgreSQL database (postgres://…); absent means the embedded PostgreSQL. */
	databaseUrl?: string;
	/** The embedded PostgreSQL's data directory; absent means a throwaway cluster. */
	postgresDataDir?: string;
	/** The embedded PostgreSQL's port; 0/undefined picks a free port. */
	postgresPort?: number;
	/** Real Redis (redis://…); absent means an embedded in-process store. */
	redisUrl?: string;
	/** Default 127.0.0.1. */
	host?: string;
	/** 0/undefined picks a free port. */
	neonPort?: number;
	/** 0/undefined picks a free port. */
	upstashPort?: number;
	/** Bearer token the bridge requires. */
	upstashToken: string;
	log?: (line: string) => void;
}

export interface Stack {
	/** `${neonHttpUrl}/sql` is the SQL-over-HTTP endpoint. */
	neonHttpUrl: string;
	/** Value for neonConfig.wsProxy (the driver appends ?address=host:port). */
	neonWsProxy: string;
	/** DATABASE_URL for the Worker: credentials valid for the backend; the proxy ignores the host. */
	connectionString: string;
	upstashUrl: string;
	upstashToken: string;
	backends: { db: "embedded-postgres" | "postgres"; redis: "memory" | "redis" };
	close(): Promise<void>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
	const host = opts.host ?? "127.0.0.1";
	const log = opts.log ?? ((line: string) => console.error(line));
	// The bridge starts first: it is quick, so a taken port or unreachable Redis fails before
	// PostgreSQL starts.
	const upstash = await startUpstashBridge({
		redisUrl: opts.redisUrl,
		token: opts.upstashToken,
		host,
		port: opts.upstashPort ?? 0,
		log,
	});
	let embedded: EmbeddedPostgres | undefined;
	let neon: Awaited<ReturnType<typeof startNeonProxy>>;
	try {
		if (!opts.databaseUrl) {
			embedded = await startEmbeddedPostgres({
				dataDir: opts.postgresDataDir,
				port: opts.postgresPort,
				log,
			});
		}
		neon = await startNeonProxy({
			databaseUrl: opts.databaseUrl ?? (embedded as EmbeddedPostgres).url,
			host,
			port: opts.neonPort ?? 0,
			log,
		});
	} catch (err) {
		await embedded?.close();
		await upstash.close();
		throw err;
	}
	return {
		neonHttpUrl: neon.httpUrl,
		neonWsProxy: neon.wsProxy,
		connectionString: neon.connectionString,
		upstashUrl: upstash.url,
		upstashToken: opts.upstashToken,
		backends: {
			db: embedded ? "embedded-postgres" : "postgres",
			redis: upstash.backend,
		},
		async close() {
			await Promise.all([neon.close(), upstash.close()]);
			await embedded?.close();
		},
	};
}

/**
 * Creates a uniquely named database on a real PostgreSQL server (tests get a clean one per run)
 * and returns its URL; drop() removes it, disconnecting any leftover sessions.
 */
export async function createFreshPostgresDatabase(
	baseUrl: string,
	name = `voidshop_test_${randomBytes(6).toString("hex")}`,
): Promise<{ url: string; drop(): Promise<void> }> {
	if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
		throw new Error(`invalid database name: ${name}`);
	const admin = async (sql: string) => {
		const client = new pg.Client({ connectionString: baseUrl });
		await client.connect();
		try {
			await client.query(sql);
		} finally {
			await client.end();
		}
	};
	await admin(`CREATE DATABASE "${name}"`);
	const url = new URL(baseUrl);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
	};
}

/** Where `npm run dev` / `npm run stack` keep the embedded PostgreSQL's data (git-ignored). */
export const DEFAULT_POSTGRES_DIR = fileURLToPath(
	new URL("../.data/postgres", import.meta.url),
);

async function main(): Promise<{ close(): Promise<void> }> {
	const env = process.env;
	const stack = await startStack({
		databaseUrl: env.LOCAL_DATABASE_URL || undefined,
		redisUrl: env.LOCAL_REDIS_URL || undefined,
		postgresDataDir: env.EMBEDDED_POSTGRES_DIR || DEFAULT_POSTGRES_DIR,
		postgresPort: portFrom("EMBEDDED_POSTGRES_PORT", 8791),
		neonPort: portFrom("NEON_PROXY_PORT", 8788),
		upstashPort: portFrom("UPSTASH_PORT", 8789),
		upstashToken: env.UPSTASH_REDIS_REST_TOKEN || "local-dev-token",
	});
	console.log(`database: ${stack.backends.db}, redis: ${stack.backends.redis}`);
	console.log(`DATABASE_URL=${stack.connectionString}`);
	console.log(`NEON_LOCAL_FETCH_ENDPOINT=${stack.neonHttpUrl}/sql`);
	console.log(`UPSTASH_REDIS_REST_URL=${stack.upstashUrl}`);
	console.log(`UPSTASH_REDIS_REST_TOKEN=${stack.upstashToken}`);
	return stack;
}

runFromCli(import.meta.url, main);
