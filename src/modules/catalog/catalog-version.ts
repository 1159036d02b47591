import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { log } from "../../lib/log";
import type { Services } from "../../services";

/**
 * The catalog's cache generation: one integer in Redis that every public catalog cache key
 * includes (see edge-cache.ts) and every successful admin catalog write increments. Bumping it
 * makes every cached public catalog response unreachable at once, in every data centre (the
 * Cache API is per colo, so `cache.delete` would purge only the colo the admin happened to hit,
 * and list and search keys are unbounded anyway). Old entries simply age out (60 s).
 *
 * Reading it must not cost the cached path a round trip per request: each isolate keeps the
 * value it last read for CATALOG_VERSION_TTL (default 2 s) and only then asks Redis again (one
 * GET, shared by the requests waiting for it). A write in this isolate takes the new value at
 * once; other isolates see it within CATALOG_VERSION_TTL. If Redis cannot answer, the last
 * value read (or `none`) is used: the cache then falls back to its 60 s freshness bound, and the
 * catalog keeps being served.
 */
const VERSION_KEY = "catalog:version";

let memo: { version: number | null; at: number } | undefined;
let inFlight: Promise<number | null> | undefined;

/** Newer wins: a slow read that started before a bump never takes the memo back. */
function remember(version: number | null): void {
	const known = memo?.version ?? null;
	memo = {
		version:
			known === null || (version !== null && version > known) ? version : known,
		at: Date.now(),
	};
}

function readVersion(services: Services): Promise<number | null> {
	inFlight ??= services.redis
		.get<number | string>(VERSION_KEY)
		.then(
			(value) => {
				remember(Number(value ?? 0));
				return memo?.version ?? null;
			},
			(err: unknown) => {
				log(
					"warn",
					"catalog version read failed; cache keys keep the last one",
					{
						error: err instanceof Error ? err.message : String(err),
					},
				);
				remember(memo?.version ?? null);
				return memo?.version ?? null;
			},
		)
		.finally(() => {
			inFlight = undefined;
		});
	return inFlight;
}

/** The cache generation to put in public catalog cache keys (`none` when Redis never answered). */
export async function catalogVersion(services: Services): Promise<string> {
	const ttl = services.config.CATALOG_VERSION_TTL;
	const version =
		memo && Date.now() - memo.at < ttl
			? memo.version
			: await readVersion(services);
	return version === null ? "none" : String(version);
}

/**
 * Starts a new cache generation (one Redis INCR) after a committed catalog write. A failure is
 * logged, not answered: the write has happened, and shoppers see it within the 60 s bound.
 */
export async function bumpCatalogVersion(services: Services): Promise<void> {
	try {
		remember(await services.redis.incr(VERSION_KEY));
	} catch (err) {
		log(
			"warn",
			"catalog version bump failed; cached pages live out their 60 s",
			{
				error: err instanceof Error ? err.message : String(err),
			},
		);
	}
}

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * After an admin catalog write that succeeded (2xx), bump the cache generation before
 * answering, so the admin's next public read already shows the change.
 */
export const purgeCatalogOnWrite = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		await next();
		if (READS.has(c.req.method) || c.res.status >= 300) return;
		await bumpCatalogVersion(c.var.services);
	});
