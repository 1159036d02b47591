import { execFile } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres } from "../dev/embedded-postgres";
import { migrate } from "../dev/migrate";
import { createFreshPostgresDatabase, startStack } from "../dev/stack";
import { startStripeStandin } from "../dev/stripe-standin";
import {
	type ContractDocument,
	prepareContract,
} from "./workers/helpers/contract-document";

export interface TestStack {
	connectionString: string;
	neonFetchEndpoint: string;
	upstashUrl: string;
	upstashToken: string;
	/** The local Stripe stand-in (control surface on; webhooks recorded, not delivered). */
	stripeUrl: string;
	backends: { db: string; redis: string };
	/** Fault endpoints: nothing listens on `dead`; `hang` accepts connections and never answers. */
	faults: { dead: string; hang: string };
}

declare module "vitest" {
	export interface ProvidedContext {
		stack: TestStack;
		/** The PostgreSQL server of this run; conformance files create their own databases on it. */
		postgresServerUrl: string;
	}
}

/** The Worker's STRIPE_WEBHOOK_SECRET in tests (vitest.config.ts); the stand-in signs with it. */
const STRIPE_WEBHOOK_SECRET = "whsec_voidshop_tests";

/**
 * One PostgreSQL server for the whole run — a throwaway embedded PostgreSQL 17 by default, or
 * TEST_DATABASE_URL's server — and the local Neon/Upstash stand-ins on free ports over a fresh
 * database on it (Redis: in-process, or TEST_REDIS_URL) for the workerd tests; and the OpenAPI
 * document every test file's contract check reads, built once (again before each watch rerun,
 * so route changes are seen).
 */
export default async function setup(project: TestProject) {
	const log = (line: string) => console.error(line);
	// Generated beside the stack's start; awaited before the first test file needs it.
	const contract = contractDocument();
	contract.catch(() => {}); // awaited below; a failure there fails the run
	project.onTestsRerun(async () => {
		project.provide("contract", await contractDocument());
	});
	const server = process.env.TEST_DATABASE_URL
		? { url: process.env.TEST_DATABASE_URL, close: async () => {} }
		: await startEmbeddedPostgres({ log });
	const cleanups: (() => Promise<void>)[] = [() => server.close()];
	const cleanup = async () => {
		for (const fn of cleanups.reverse()) await fn();
	};
	try {
		const version = await serverVersion(server.url);
		const fresh = await createFreshPostgresDatabase(server.url);
		cleanups.push(() => fresh.drop());
		const stack = await startStack({
			databaseUrl: fresh.url,
			redisUrl: process.env.TEST_REDIS_URL,
			upstashToken: "test-upstash-token",
			log,
		});
		cleanups.push(() => stack.close());
		const stripe = await startStripeStandin({
			port: 0,
			webhookSecret: STRIPE_WEBHOOK_SECRET,
			control: true,
			log,
		});
		cleanups.push(() => stripe.close());
		const faults = await startFaultEndpoints();
		cleanups.push(() => faults.close());
		await migrate({
			connectionString: stack.connectionString,
			wsProxy: stack.neonWsProxy,
		});
		console.log(
			`test stack: PostgreSQL ${version} (${process.env.TEST_DATABASE_URL ? "TEST_DATABASE_URL" : "embedded"}), redis=${stack.backends.redis}`,
		);
		project.provide("contract", await contract);
		project.provide("postgresServerUrl", server.url);
		project.provide("stack", {
			connectionString: stack.connectionString,
			neonFetchEndpoint: `${stack.neonHttpUrl}/sql`,
			upstashUrl: stack.upstashUrl,
			upstashToken: stack.upstashToken,
			stripeUrl: stripe.url,
			backends: stack.backends,
			faults: { dead: faults.dead, hang: faults.hang },
		});
	} catch (err) {
		await cleanup();
		throw err;
	}
	return cleanup;
}

/**
 * The API's OpenAPI document, prepared for the contract check (helpers/contract-document.ts), as
 * JSON. dev/openapi-export.ts builds it in a child process: it imports the Worker's app, which
 * this file's compiler settings (Node types, tsconfig.node.json) cannot type-check.
 */
async function contractDocument(): Promise<string> {
	const root = fileURLToPath(new URL("..", import.meta.url));
	const json = await new Promise<string>((resolve, reject) =>
		execFile(
			process.execPath,
			["--import", "tsx", "dev/openapi-export.ts", "-"],
			{ cwd: root, maxBuffer: 64 * 1024 * 1024 },
			(err, stdout, stderr) =>
				err
					? reject(
							new Error(
								`dev/openapi-export.ts failed: ${stderr || err.message}`,
							),
						)
					: resolve(stdout),
		),
	);
	return JSON.stringify(prepareContract(JSON.parse(json) as ContractDocument));
}

async function serverVersion(url: string): Promise<string> {
	const client = new pg.Client({ connectionString: url });
	await client.connect();
	try {
		const { rows } = await client.query<{ server_version: string }>(
			"show server_version",
		);
		return rows[0]?.server_version ?? "?";
	} finally {
		await client.end();
	}
}

/** A port nobody listens on (bound, then released) and a server that accepts and never answers. */
async function startFaultEndpoints() {
	const listen = (server: ReturnType<typeof createServer>) =>
		new Promise<number>((resolve) =>
			server.listen(0, "127.0.0.1", () => {
				const address = server.address();
				resolve(typeof address === "object" && address ? address.port : 0);
			}),
		);
	const released = createServer();
	const deadPort = await listen(released);
	await new Promise((resolve) => released.close(resolve));
	const sockets = new Set<Socket>();
	const hang = createServer((socket) => {
		sockets.add(socket);
		socket.on("close", () => sockets.delete(socket));
	});
	const hangPort = await listen(hang);
	return {
		dead: `http://127.0.0.1:${deadPort}`,
		hang: `http://127.0.0.1:${hangPort}`,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => hang.close(resolve));
		},
	};
}
