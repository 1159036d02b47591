/**
 * `npm run bench`: the production bundle (wrangler deploy --dry-run) in local workerd
 * (Miniflare) against the local stack on a real PostgreSQL, with the seed catalog. Per scenario,
 * cold (Cache API disabled: every request runs the query) and cached (warm edge cache):
 * requests/s, p50/p99 latency and database round trips per request (from Server-Timing).
 * Cart scenarios (never cached) run once: add-to-cart into existing guest carts (one per client)
 * and get-cart of a five-line guest cart. Login runs with ONE client, at one chained PBKDF2 call
 * (100,000 iterations: the cost before the chain) and at the production cost (6 calls, 600,000),
 * so its latency is the hash's CPU plus two loopback round trips.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (a fresh database on that
 *   server is created and dropped; default: a throwaway embedded PostgreSQL 17)
 *   BENCH_SECONDS=3   BENCH_CONCURRENCY=8
 *   BENCH_ONLY=detail,list page  (only these scenarios, comma separated; no cart/order rows)
 *   CATALOG_VERSION_TTL=2s       (the Worker's setting: 0s reads Redis on every cached request)
 *
 * Numbers are for this machine (loopback, no network latency to the database): compare
 * round trips and relative cost, not absolute edge latency.
 */
import { execFileSync } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { Miniflare, supportedCompatibilityDate } from "miniflare";
import pg from "pg";
import { startEmbeddedPostgres } from "../dev/embedded-postgres";
import { migrate } from "../dev/migrate";
import { type SeedDb, seedCatalog } from "../dev/seed-catalog";
import { createFreshPostgresDatabase, startStack } from "../dev/stack";
import { startStripeStandin } from "../dev/stripe-standin";
import * as schema from "../src/db/schema";
import { cartScenarios } from "./carts";
import { CONCURRENCY, load, type Result, SECONDS } from "./load";
import { loginScenario } from "./logins";
import { orderScenarios } from "./orders";

const root = fileURLToPath(new URL("..", import.meta.url));
const STRIPE_WEBHOOK_SECRET = "whsec_bench";
/** wrangler.toml's date, capped at what this Miniflare's workerd supports. */
const COMPATIBILITY_DATE = [
	"2026-11-01",
	supportedCompatibilityDate,
].sort()[0] as string;

async function main(): Promise<void> {
	console.log("building the production bundle…");
	execFileSync(
		`${root}node_modules/.bin/wrangler`,
		["deploy", "--dry-run", "--outdir", "dist"],
		{
			cwd: root,
			stdio: ["ignore", "ignore", "inherit"],
		},
	);

	const server = process.env.BENCH_DATABASE_URL
		? { url: process.env.BENCH_DATABASE_URL, close: async () => {} }
		: await startEmbeddedPostgres({ log: (line) => console.error(line) });
	const fresh = await createFreshPostgresDatabase(
		server.url,
		`voidshop_bench_${Date.now()}`,
	).catch(async (err: unknown) => {
		await server.close();
		throw err;
	});
	const stack = await startStack({
		databaseUrl: fresh.url,
		upstashToken: "bench-token",
		log: () => {},
	});
	// Webhooks are recorded, not delivered: the bench measures the API, not fulfilment.
	const stripe = await startStripeStandin({
		port: 0,
		webhookSecret: STRIPE_WEBHOOK_SECRET,
		log: () => {},
	});
	const workers: Miniflare[] = [];
	try {
		await migrate({
			connectionString: stack.connectionString,
			wsProxy: stack.neonWsProxy,
		});
		const worker = (cache: boolean, vars: Record<string, string> = {}) =>
			new Miniflare({
				modules: [{ type: "ESModule", path: `${root}dist/index.js` }],
				modulesRoot: `${root}dist`,
				compatibilityDate: COMPATIBILITY_DATE,
				compatibilityFlags: ["nodejs_compat"],
				cache,
				r2Buckets: { IMAGES: "voidshop-images" },
				bindings: {
					ENVIRONMENT: "development",
					LOG_LEVEL: "error",
					DATABASE_URL: stack.connectionString,
					NEON_LOCAL_FETCH_ENDPOINT: `${stack.neonHttpUrl}/sql`,
					UPSTASH_REDIS_REST_URL: stack.upstashUrl,
					UPSTASH_REDIS_REST_TOKEN: stack.upstashToken,
					JWT_SECRET: "bench-secret-that-is-at-least-32-bytes-long!",
					JWT_ISSUER: "voidshop",
					JWT_AUDIENCE: "voidshop-api",
					CORS_ORIGINS: "http://localhost:3000",
					STOREFRONT_URL: "http://localhost:3000",
					IMAGE_BASE_URL: "http://127.0.0.1:8787/v1/images",
					MAX_BODY_BYTES: "1048576",
					EMAIL_PROVIDER: "log",
					EMAIL_FROM_ADDRESS: "shop@voidshop.test",
					EMAIL_FROM_NAME: "VoidShop",
					STRIPE_SECRET_KEY: "sk_test_bench",
					STRIPE_PUBLISHABLE_KEY: "pk_test_bench",
					STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET,
					STRIPE_LOCAL_URL: stripe.url,
					CATALOG_VERSION_TTL: process.env.CATALOG_VERSION_TTL ?? "2s",
					// Every bench client is one network; the scenarios make hundreds of guest carts.
					RATE_LIMIT_GUEST_CART_IP: "1000000/1m",
					...vars,
				},
				// One JSON log line per request would dominate the measurement.
				handleRuntimeStdio: (out: Readable, err: Readable) => {
					out.resume();
					err.resume();
				},
			});
		const cold = worker(false);
		const cached = worker(true);
		// Password hashing before the chain (one PBKDF2 call of 100,000) for the login row's baseline;
		// `cold` runs the default, production cost (6 chained calls, 600,000).
		const singleRound = worker(false, { PASSWORD_HASH_ROUNDS: "1" });
		workers.push(cold, cached, singleRound);
		// Awaited now so a runtime that fails to start lands in `finally` (database dropped).
		const [coldUrl, cachedUrl, singleRoundUrl] = await Promise.all([
			cold.ready,
			cached.ready,
			singleRound.ready,
		]);

		const pool = new pg.Pool({ connectionString: fresh.url, max: 2 });
		const bucket = (await cold.getR2Bucket("IMAGES")) as unknown as {
			put(
				key: string,
				value: Uint8Array,
				o: { httpMetadata: { contentType: string } },
			): Promise<unknown>;
		};
		const seeded = await seedCatalog(
			drizzle({
				client: pool,
				schema,
				casing: "snake_case",
			}) as unknown as SeedDb,
			{
				images: {
					put: async (key, bytes, contentType) =>
						void (await bucket.put(key, bytes, {
							httpMetadata: { contentType },
						})),
				},
				log: console.log,
			},
		);
		const { rows } = await pool.query<{ slug: string }>(
			"select slug from products where status = 'active' order by slug limit 50",
		);
		// Plenty in stock, one currency, so repeated adds stay far from the stock and 99 limits.
		const { rows: stocked } = await pool.query<{ id: string }>(
			`select v.id from variants v join products p on p.id = v.product_id
			where p.status = 'active' and v.status = 'active' and p.currency = 'EUR'
				and v.on_hand - v.reserved >= 40
			order by v.sku limit 200`,
		);
		const { rows: named } = await pool.query<{ name: string }>(
			"select name from products where status = 'active' order by slug limit 1",
		);
		await pool.end();
		if (seeded === "skipped") throw new Error("bench database was not empty");
		const exactName = encodeURIComponent(named[0]?.name ?? "merino");

		const only = process.env.BENCH_ONLY?.split(",").map((s) => s.trim());
		const allScenarios: [string, string[]][] = [
			["list page", ["/v1/products?limit=24"]],
			[
				"filtered list",
				[
					"/v1/products?category=apparel&minPrice=1000&maxPrice=10000&inStock=true&option.color=black&sort=price_asc",
				],
			],
			["search", ["/v1/products?q=merino"]],
			["search exact name", [`/v1/products?q=${exactName}`]],
			["search hyphenated", ["/v1/products?q=t-shirt"]],
			["search prefix", ["/v1/products?q=sanda"]],
			["search typo", ["/v1/products?q=sandel"]],
			["faceted list", ["/v1/products?category=apparel&facets=true"]],
			["suggest", ["/v1/search/suggest?q=sand"]],
			["detail", rows.map((r) => `/v1/products/${r.slug}`)],
			["category tree", ["/v1/categories"]],
		];
		const scenarios = allScenarios.filter(
			([name]) => !only || only.includes(name),
		);
		const results: Result[] = [];
		const coldOrigin = coldUrl.origin;
		const cachedOrigin = cachedUrl.origin;
		for (const [name, paths] of scenarios) {
			for (const path of paths) {
				const res = await fetch(cachedOrigin + path);
				if (res.status !== 200)
					throw new Error(`${path}: ${res.status} ${await res.text()}`);
				await res.arrayBuffer();
			}
			await new Promise((r) => setTimeout(r, 100));
			results.push(await load(coldOrigin, paths, name, "cold"));
			results.push(await load(cachedOrigin, paths, name, "cached"));
		}
		const stockedIds = stocked.map((v) => v.id);
		if (!only) {
			results.push(...(await cartScenarios(coldOrigin, stockedIds)));
			results.push(...(await orderScenarios(coldOrigin, stockedIds)));
			results.push(await loginScenario(singleRoundUrl.origin, 1));
			results.push(await loginScenario(coldOrigin, 6));
		}
		console.log(
			`\n${CONCURRENCY} concurrent clients, ${SECONDS}s per row, real PostgreSQL via the local Neon proxy, workerd compatibility date ${COMPATIBILITY_DATE}\n`,
		);
		console.log(
			"| scenario | mode | requests | req/s | p50 ms | p99 ms | db round trips/req | errors |",
		);
		console.log("|---|---|---|---|---|---|---|---|");
		for (const r of results)
			console.log(
				`| ${r.scenario} | ${r.mode} | ${r.requests} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.dbRoundTrips} | ${r.errors} |`,
			);
	} finally {
		await Promise.allSettled(workers.map((w) => w.dispose()));
		await stripe.close();
		await stack.close();
		await fresh.drop();
		await server.close();
	}
}

main().catch((err: unknown) => {
	console.error(err);
	process.exit(1);
});
