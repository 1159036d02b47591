/** Lifecycle of the local stack itself: ports, persistence, fresh databases. */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { neon, neonConfig } from "@neondatabase/serverless";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
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
		expect(first.backends).toEqual({ db: "pglite", redis: "memory" });
		expect(first.neonWsProxy).toBe(`${new URL(first.neonHttpUrl).host}/v2`);
		const neonPort = Number(new URL(first.neonHttpUrl).port);
		const upstashPort = Number(new URL(first.upstashUrl).port);
		await cleanups.pop()?.();
		const second = await start({ neonPort, upstashPort });
		expect(second.neonHttpUrl).toBe(first.neonHttpUrl);
		expect(second.upstashUrl).toBe(first.upstashUrl);
	});

	it("keeps PGlite data in pgliteDataDir across restarts", async () => {
		const dir = await mkdtemp(join(tmpdir(), "voidshop-pglite-"));
		cleanups.push(() => rm(dir, { recursive: true, force: true }));
		const query = async (stack: Stack, text: string) => {
			neonConfig.fetchEndpoint = `${stack.neonHttpUrl}/sql`;
			return neon(stack.connectionString).query(text);
		};
		const first = await start({ pgliteDataDir: dir });
		await query(first, "create table kept (v text)");
		await query(first, "insert into kept values ('still here')");
		await cleanups.pop()?.();
		const second = await start({ pgliteDataDir: dir });
		expect(second.backends.db).toBe("pglite");
		expect(await query(second, "select v from kept")).toEqual([
			{ v: "still here" },
		]);
	});
});

describe.runIf(process.env.TEST_DATABASE_URL)(
	"createFreshPostgresDatabase",
	() => {
		it("creates an empty, uniquely named database and drops it", async () => {
			const base = process.env.TEST_DATABASE_URL as string;
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
	},
);
