/**
 * `npm run bench`: the production bundle (wrangler deploy --dry-run) in local workerd
 * (Miniflare) against the local stack on a real PostgreSQL, with the seed catalog. Per scenario,
 * cold (Cache API disabled: every request runs the query) and cached (warm edge cache):
 * requests/s, p50/p99 latency and database round trips per request (from Server-Timing).
 * Cart scenarios (never cached) run once: add-to-cart into existing guest carts (one per client)
 * and get-cart of a five-line guest cart.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres  (a fresh database on that
 *   server is created and dropped; default: a throwaway embedded PostgreSQL 17)
 *   BENCH_SECONDS=3   BENCH_CONCURRENCY=8
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
import * as schema from "../src/db/schema";

const root = fileURLToPath(new URL("..", import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** wrangler.toml's date, capped at what this Miniflare's workerd supports. */
const COMPATIBILITY_DATE = [
	"2026-11-01",
	supportedCompatibilityDate,
].sort()[0] as string;

interface Result {
	scenario: string;
	mode: "cold" | "cached" | "live";
	requests: number;
	rps: number;
	p50: number;
	p99: number;
	dbRoundTrips: number;
	errors: number;
}

const percentile = (sorted: number[], p: number) =>
	sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ??
	0;

/** One request of a scenario; `client` is the index of the closed-loop client sending it. */
type RequestFor = (n: number, client: number) => [string, RequestInit?];

/** Closed-loop load: CONCURRENCY workers, each sending the next request when one returns. */
async function load(
	origin: string,
	paths: string[] | RequestFor,
	scenario: string,
	mode: Result["mode"],
	okStatus = 200,
): Promise<Result> {
	const requestFor: RequestFor =
		typeof paths === "function"
			? paths
			: (n) => [paths[n % paths.length] as string];
	const latencies: number[] = [];
	let roundTrips = 0;
	let errors = 0;
	let next = 0;
	const deadline = performance.now() + SECONDS * 1000;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async (_, client) => {
			while (performance.now() < deadline) {
				const [path, init] = requestFor(next++, client);
				const t0 = performance.now();
				const res = await fetch(origin + path, init);
				await res.arrayBuffer();
				latencies.push(performance.now() - t0);
				if (res.status !== okStatus) errors++;
				const m = /db;desc="(\d+)"/.exec(
					res.headers.get("Server-Timing") ?? "",
				);
				roundTrips += Number(m?.[1] ?? 0);
			}
		}),
	);
	const elapsed = (performance.now() - started) / 1000;
	latencies.sort((a, b) => a - b);
	return {
		scenario,
		mode,
		requests: latencies.length,
		rps: Math.round(latencies.length / elapsed),
		p50: Number(percentile(latencies, 50).toFixed(1)),
		p99: Number(percentile(latencies, 99).toFixed(1)),
		dbRoundTrips: Number((roundTrips / latencies.length).toFixed(2)),
		errors,
	};
}

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
	const workers: Miniflare[] = [];
	try {
		await migrate({
			connectionString: stack.connectionString,
			wsProxy: stack.neonWsProxy,
		});
		const worker = (cache: boolean) =>
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
					MAX_BODY_BYTES: "1048576",
					EMAIL_PROVIDER: "log",
					EMAIL_FROM_ADDRESS: "shop@voidshop.test",
					EMAIL_FROM_NAME: "VoidShop",
				},
				// One JSON log line per request would dominate the measurement.
				handleRuntimeStdio: (out: Readable, err: Readable) => {
					out.resume();
					err.resume();
				},
			});
		const cold = worker(false);
		const cached = worker(true);
		workers.push(cold, cached);
		// Awaited now so a runtime that fails to start lands in `finally` (database dropped).
		const [coldUrl, cachedUrl] = await Promise.all([cold.ready, cached.ready]);

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
		await pool.end();
		if (seeded === "skipped") throw new Error("bench database was not empty");

		const scenarios: [string, string[]][] = [
			["list page", ["/v1/products?limit=24"]],
			[
				"filtered list",
				[
					"/v1/products?category=apparel&minPrice=1000&maxPrice=10000&inStock=true&color=black&sort=price_asc",
				],
			],
			["search", ["/v1/products?q=merino"]],
			["detail", rows.map((r) => `/v1/products/${r.slug}`)],
			["category tree", ["/v1/categories"]],
		];
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
		results.push(
			...(await cartScenarios(
				coldOrigin,
				stocked.map((v) => v.id),
			)),
		);
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
		await stack.close();
		await fresh.drop();
		await server.close();
	}
}

const addBody = (variantId: string): RequestInit => ({
	method: "POST",
	headers: { "Content-Type": "application/json" },
	body: JSON.stringify({ variantId, quantity: 1 }),
});

/** Starts a guest cart with `lines` lines and returns its token. */
async function guestCart(
	origin: string,
	variantIds: string[],
	lines: number,
): Promise<string> {
	let token: string | undefined;
	for (const variantId of variantIds.slice(0, lines)) {
		const init = addBody(variantId);
		if (token) init.headers = { ...init.headers, "X-Cart-Token": token };
		const res = await fetch(`${origin}/v1/cart/items`, init);
		if (res.status !== 201)
			throw new Error(`cart setup: ${res.status} ${await res.text()}`);
		const body = (await res.json()) as { cartToken?: string };
		token ??= body.cartToken;
	}
	if (!token) throw new Error("cart setup: no token");
	return token;
}

/**
 * Add-to-cart (an existing guest cart per client, cycling over 20 variants so carts stay below the
 * line cap and quantities below stock) and get-cart of a five-line cart.
 */
async function cartScenarios(
	origin: string,
	variantIds: string[],
): Promise<Result[]> {
	if (variantIds.length < 20)
		throw new Error("the seed has too few well-stocked variants");
	const tokens = await Promise.all(
		Array.from({ length: CONCURRENCY }, () => guestCart(origin, variantIds, 1)),
	);
	const add = await load(
		origin,
		(n, client) => {
			const init = addBody(variantIds[n % 20] as string);
			init.headers = { ...init.headers, "X-Cart-Token": tokens[client] ?? "" };
			return ["/v1/cart/items", init];
		},
		"add to cart",
		"live",
		201,
	);
	const fiveLines = await guestCart(origin, variantIds, 5);
	const get = await load(
		origin,
		() => ["/v1/cart", { headers: { "X-Cart-Token": fiveLines } }],
		"get cart (5 lines)",
		"live",
	);
	return [add, get];
}

main().catch((err: unknown) => {
	console.error(err);
	process.exit(1);
});
