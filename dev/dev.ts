/**
 * `npm run dev`: the local stack (Neon proxy + Upstash bridge), migrations, then `wrangler dev`.
 * An embedded PostgreSQL 17 (data in .data/postgres) and an in-process Redis unless
 * LOCAL_DATABASE_URL / LOCAL_REDIS_URL point at real servers. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readDevVars } from "./dev-vars";
import { migrate } from "./migrate";
import { localPorts } from "./ports";
import { seedLocalCatalog } from "./seed-catalog";
import { DEMO_USERS, seedUsers } from "./seed-users";
import { DEFAULT_POSTGRES_DIR, type Stack, startStack } from "./stack";
import { type StripeStandin, startStripeStandin } from "./stripe-standin";

const root = fileURLToPath(new URL("..", import.meta.url));

/** wrangler's own line per request; the Worker already logs each request (with its id). */
const WRANGLER_REQUEST_LINE =
	/\[wrangler:info\] (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ \d{3} /;
/** Colour codes, stripped before matching (wrangler colours its output on a terminal). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");
/** The cron in wrangler.toml; wrangler dev does not fire crons by itself. */
const CRON = "*/5 * * * *";

async function main(): Promise<void> {
	const vars = readDevVars();
	const ports = localPorts(vars);
	const started = Date.now();
	const stack: Stack = await startStack({
		databaseUrl: process.env.LOCAL_DATABASE_URL || undefined,
		postgresDataDir: process.env.EMBEDDED_POSTGRES_DIR || DEFAULT_POSTGRES_DIR,
		postgresPort: ports.postgres,
		redisUrl: process.env.LOCAL_REDIS_URL,
		neonPort: ports.neonProxy,
		upstashPort: ports.upstash,
		upstashToken: vars.UPSTASH_REDIS_REST_TOKEN ?? "local-dev-token",
		log: (line) => console.log(`[stack] ${line}`),
	});
	const port = ports.worker;
	// With STRIPE_LOCAL_URL in .dev.vars the Worker talks to the local stand-in, which sends its
	// signed webhooks back to the Worker; without it, to Stripe itself (see README).
	let stripe: StripeStandin | undefined;
	if (vars.STRIPE_LOCAL_URL) {
		try {
			stripe = await startStripeStandin({
				port: ports.stripe,
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
		stdio: ["inherit", "pipe", "pipe"],
		// Offline there is no Request.cf to download: use wrangler's placeholder without the warning.
		env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env },
	});
	let ready = false;
	let skip = 0;
	const forward = (out: NodeJS.WriteStream) => (line: string) => {
		if (WRANGLER_REQUEST_LINE.test(line.replace(ANSI, ""))) return;
		// wrangler's "crons are not triggered locally" notice: this runner does trigger them.
		if (line.includes("Scheduled Workers are not automatically triggered"))
			skip = 6;
		if (skip > 0) {
			skip--;
			return;
		}
		out.write(`${line}\n`);
		if (!ready && /Ready on http/.test(line)) {
			ready = true;
			console.log(banner(port, vars, stripe?.url));
		}
	};
	if (wrangler.stdout) lines(wrangler.stdout, forward(process.stdout));
	if (wrangler.stderr) lines(wrangler.stderr, forward(process.stderr));
	wrangler.on("exit", (code) => void stop(code ?? 0));
	// Production runs the maintenance cron every 5 minutes; so does the local stack.
	const cron = setInterval(() => {
		fetch(
			`http://127.0.0.1:${port}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(CRON)}`,
		).catch(() => {});
	}, 5 * 60_000);
	cron.unref();
}

function lines(
	stream: NodeJS.ReadableStream,
	onLine: (line: string) => void,
): void {
	let rest = "";
	stream.setEncoding("utf8");
	stream.on("data", (chunk: string) => {
		const parts = (rest + chunk).split("\n");
		rest = parts.pop() ?? "";
		for (const part of parts) onLine(part);
	});
	stream.on("end", () => {
		if (rest) onLine(rest);
	});
}

/** What a newcomer needs, on one screen, once wrangler is ready. */
function banner(
	port: number,
	vars: Record<string, string | undefined>,
	stripeUrl: string | undefined,
): string {
	const api = `http://localhost:${port}`;
	const row = (label: string, value: string) => `  ${label.padEnd(14)}${value}`;
	const [admin, customer] = DEMO_USERS;
	return [
		"",
		"  VoidShop is running (Ctrl-C stops everything)",
		"",
		row("API", `${api}   (${api}/health/ready)`),
		row("Docs", `${api}/docs   (OpenAPI: ${api}/v1/openapi.json)`),
		row(
			"Dev mailbox",
			`${api}/v1/dev/emails   (emails arrive ~5 s after the request: queue batching)`,
		),
		row("Admin", `${admin.email} / ${admin.password}`),
		row("Customer", `${customer.email} / ${customer.password}`),
		row(
			"Stripe",
			stripeUrl
				? `local stand-in ${stripeUrl}   (confirm with pm_card_visa, decline with pm_card_chargeDeclined)`
				: "Stripe test mode (STRIPE_LOCAL_URL is not set)",
		),
		row(
			"Storefront",
			`CORS_ORIGINS ${vars.CORS_ORIGINS ?? "(unset)"}; cookies SameSite=${vars.COOKIE_SAMESITE || "Strict"} (use localhost, not 127.0.0.1)`,
		),
		row(
			"Cron",
			`every 5 min, or now: curl "${api}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(CRON)}"`,
		),
		"",
	].join("\n");
}

main().catch((err: unknown) => {
	console.error(err instanceof Error ? err.message : err);
	process.exit(1);
});
