/**
 * Shared setup for the conformance suites: each file starts its own local stack over a fresh
 * database on the run's PostgreSQL server (the embedded one, or TEST_DATABASE_URL's), and the
 * in-process Redis store or TEST_REDIS_URL (unique key prefixes in a shared Redis).
 */
import { randomBytes } from "node:crypto";
import { neonConfig } from "@neondatabase/serverless";
import { inject } from "vitest";
import ws from "ws";
import {
	createFreshPostgresDatabase,
	type Stack,
	startStack,
} from "../../dev/stack";
import {
	startUpstashBridge,
	type UpstashBridge,
} from "../../dev/upstash-bridge";

export const TOKEN = "conformance-token";

export interface TestStack {
	stack: Stack;
	/** Direct URL of the fresh database (bypassing the proxy). */
	directDatabaseUrl: string;
	close(): Promise<void>;
}

export async function startTestStack(): Promise<TestStack> {
	const fresh = await createFreshPostgresDatabase(inject("postgresServerUrl"));
	let stack: Stack;
	try {
		stack = await startStack({
			databaseUrl: fresh.url,
			redisUrl: process.env.TEST_REDIS_URL || undefined,
			upstashToken: TOKEN,
			// Only unexpected conditions are logged (relay resets, backend faults): show them.
			log: (line) => console.warn(line),
		});
	} catch (err) {
		await fresh.drop();
		throw err;
	}
	return {
		stack,
		directDatabaseUrl: fresh.url,
		async close() {
			await stack.close();
			await fresh.drop();
		},
	};
}

/** Just the Upstash bridge (Redis suites need no database). */
export function startTestBridge(): Promise<UpstashBridge> {
	return startUpstashBridge({
		redisUrl: process.env.TEST_REDIS_URL || undefined,
		token: TOKEN,
		host: "127.0.0.1",
		port: 0,
		log: (line) => console.warn(line),
	});
}

/** Points the (global) Neon driver config at the stack: HTTP endpoint and WebSocket relay. */
export function useNeonStack(stack: Stack): void {
	neonConfig.fetchEndpoint = `${stack.neonHttpUrl}/sql`;
	neonConfig.webSocketConstructor = ws;
	neonConfig.wsProxy = stack.neonWsProxy;
	neonConfig.useSecureWebSocket = false;
	neonConfig.pipelineConnect = false;
	neonConfig.pipelineTLS = false;
}

/** A name no other test (or earlier run against the same Redis) uses. */
export function unique(prefix: string): string {
	return `${prefix}_${randomBytes(5).toString("hex")}`;
}

/** SQLSTATE and constraint of a driver error, looking through wrappers such as DrizzleQueryError. */
export function pgErrorOf(err: unknown): {
	code?: string;
	constraint?: string;
} {
	let current: unknown = err;
	for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
		const fields = current as Error & { code?: unknown; constraint?: unknown };
		if (typeof fields.code === "string") {
			return {
				code: fields.code,
				constraint:
					typeof fields.constraint === "string" ? fields.constraint : undefined,
			};
		}
		current = current.cause;
	}
	return {};
}

/** Runs fn and returns what it threw (fails the test if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<unknown> {
	try {
		await fn();
	} catch (err) {
		return err;
	}
	throw new Error("expected the call to throw");
}
