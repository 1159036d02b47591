import type { TestProject } from "vitest/node";
import { migrate } from "../dev/migrate";
import { createFreshPostgresDatabase, startStack } from "../dev/stack";

export interface TestStack {
	connectionString: string;
	neonFetchEndpoint: string;
	upstashUrl: string;
	upstashToken: string;
	backends: { db: string; redis: string };
}

declare module "vitest" {
	export interface ProvidedContext {
		stack: TestStack;
	}
}

/**
 * Starts the local Neon/Upstash stand-ins on free ports for the workerd tests: embedded
 * backends by default, or a fresh database on TEST_DATABASE_URL's server and TEST_REDIS_URL.
 */
export default async function setup(project: TestProject) {
	const fresh = process.env.TEST_DATABASE_URL
		? await createFreshPostgresDatabase(process.env.TEST_DATABASE_URL)
		: undefined;
	const stack = await startStack({
		databaseUrl: fresh?.url,
		redisUrl: process.env.TEST_REDIS_URL,
		upstashToken: "test-upstash-token",
	});
	try {
		await migrate({
			connectionString: stack.connectionString,
			wsProxy: stack.neonWsProxy,
		});
	} catch (err) {
		await stack.close();
		await fresh?.drop();
		throw err;
	}
	console.log(
		`test stack: db=${stack.backends.db} redis=${stack.backends.redis}`,
	);
	project.provide("stack", {
		connectionString: stack.connectionString,
		neonFetchEndpoint: `${stack.neonHttpUrl}/sql`,
		upstashUrl: stack.upstashUrl,
		upstashToken: stack.upstashToken,
		backends: stack.backends,
	});
	return async () => {
		await stack.close();
		await fresh?.drop();
	};
}
