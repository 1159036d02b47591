/**
 * `npm run dev`: the local stack (Neon proxy + Upstash bridge), migrations, then `wrangler dev`.
 * An embedded PostgreSQL 17 (data in .data/postgres) and an in-process Redis unless
 * LOCAL_DATABASE_URL / LOCAL_REDIS_URL point at real servers. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { LOCAL_IMAGE_BASE_URL } from "../src/lib/image-url";
import { readDevVars } from "./dev-vars";
import { migrate } from "./migrate";
import { seedLocalCatalog } from "./seed-catalog";
import { seedUsers } from "./seed-users";
import {
	DEFAULT_POSTGRES_DIR,
	portFromEnv,
	type Stack,
	startStack,
} from "./stack";
import { type StripeStandin, startStripeStandin } from "./stripe-standin";

const root = fileURLToPath(new URL("..", import.meta.url));

function portFrom(
	envName: string,
	fallbackUrl: string | undefined,
	fallback: number,
): number {
	const raw =
		process.env[envName] ??
		(fallbackUrl ? new URL(fallbackUrl).port : undefined);
	const port = Number(raw ?? fallback);
	if (!Number.isInteger(port) || port < 0 || port > 65535)
		throw new Error(`${envName} must be a port number, got "${raw}"`);
	return port;
}

async function main(): Promise<void> {
	const vars = readDevVars();
	const started = Date.now();
	const stack: Stack = await startStack({
		databaseUrl: process.env.LOCAL_DATABASE_URL || undefined,
		postgresDataDir: process.env.EMBEDDED_POSTGRES_DIR || DEFAULT_POSTGRES_DIR,
		postgresPort: portFromEnv("EMBEDDED_POSTGRES_PORT", 8791),
		redisUrl: process.env.LOCAL_REDIS_URL,
		neonPort: portFrom("NEON_PROXY_PORT", vars.NEON_LOCAL_FETCH_ENDPOINT, 8788),
		upstashPort: portFrom("UPSTASH_PORT", vars.UPSTASH_REDIS_REST_URL, 8789),
		upstashToken: vars.UPSTASH_REDIS_REST_TOKEN ?? "local-dev-token",
		log: (line) => console.log(`[stack] ${line}`),
	});
	const port = portFrom("PORT", undefined, 8787);
	// With STRIPE_LOCAL_URL in .dev.vars the Worker talks to the local stand-in, which sends its
	// signed webhooks back to the Worker; without it, to Stripe itself (see README).
	let stripe: StripeStandin | undefined;
	if (vars.STRIPE_LOCAL_URL) {
		try {
			stripe = await startStripeStandin({
				port: portFrom("STRIPE_STANDIN_PORT", vars.STRIPE_LOCAL_URL, 8790),
				webhookSecret: vars.STRIPE_WEBHOOK_SECRET ?? "",
				webhookUrl: `http://127.0.0.1:${port}/v1/webhooks/stripe`,
				log: (line) => console.log(`[stripe] ${line}`),
			});
		} catch (err) {
			await stack.close();
			throw err;
		}
	}
	let wrangler: ChildProcess | undefined;
	let stopping = false;
	const stop = async (code: number) => {
		if (stopping) return;
		stopping = true;
		wrangler?.kill("SIGTERM");
		await Promise.all([stack.close(), stripe?.close()]).catch(() => {});
		process.exit(code);
	};
	process.on("SIGINT", () => void stop(0));
	process.on("SIGTERM", () => void stop(0));

	try {
		const target = {
			connectionString: stack.connectionString,
			wsProxy: stack.neonWsProxy,
		};
		await migrate(target);
		await seedUsers(target);
		// Skips a database that already has products, so restarts keep the developer's edits.
		await seedLocalCatalog(target, (line) => console.log(`[seed] ${line}`));
	} catch (err) {
		console.error(
			"migrations failed:",
			err instanceof Error ? err.message : err,
		);
		return stop(1);
	}
	console.log(
		`[stack] db=${stack.backends.db} (${stack.neonHttpUrl}) redis=${stack.backends.redis} (${stack.upstashUrl}); migrations applied, demo data seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
	);

	// The actual ports win over .dev.vars, so NEON_PROXY_PORT/UPSTASH_PORT need no file edits.
	const overrides = {
		DATABASE_URL: stack.connectionString,
		NEON_LOCAL_FETCH_ENDPOINT: `${stack.neonHttpUrl}/sql`,
		UPSTASH_REDIS_REST_URL: stack.upstashUrl,
		...(stripe && { STRIPE_LOCAL_URL: stripe.url }),
		// The example's local image URL follows the Worker's actual port.
		...(vars.IMAGE_BASE_URL === LOCAL_IMAGE_BASE_URL &&
			port !== 8787 && {
				IMAGE_BASE_URL: `http://127.0.0.1:${port}/v1/images`,
			}),
	};
	const args = [
		"dev",
		"--ip",
		"127.0.0.1",
		"--port",
		String(port),
		"--show-interactive-dev-session=false",
	];
	for (const [key, value] of Object.entries(overrides))
		args.push("--var", `${key}:${value}`);
	wrangler = spawn(`${root}node_modules/.bin/wrangler`, args, {
		cwd: root,
		stdio: "inherit",
	});
	wrangler.on("exit", (code) => void stop(code ?? 0));
}

main().catch((err: unknown) => {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
});
