import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { toBase64Url } from "../../lib/encoding";
import { catalogVersion } from "./catalog-version";

/**
 * The freshness bound of public catalog reads. The Worker's edge cache (Cache API) keeps a
 * 200 for FRESH_SECONDS, so any change is visible at every PoP within 60 s; an admin catalog
 * write starts a new cache generation (catalog-version.ts), visible within seconds. Browsers
 * always revalidate (`max-age=0`, a 304 from the edge costs no database round trip); shared
 * caches in front of us may serve a stale copy for STALE_SECONDS more while they revalidate,
 * so through those the bound is 90 s.
 */
const FRESH_SECONDS = 60;
const STALE_SECONDS = 30;
const CATALOG_CACHE_CONTROL = `public, max-age=0, s-maxage=${FRESH_SECONDS}, stale-while-revalidate=${STALE_SECONDS}`;

/** Bumped when a response shape changes, so a deploy never serves the old shape from cache. */
const CACHE_VERSION = "3";

/**
 * Same URL regardless of query parameter order, so `?a=1&b=2` and `?b=2&a=1` share an entry;
 * `generation` is the catalog's cache generation (catalog-version.ts), bumped by admin writes.
 */
function cacheKey(url: string, generation: string): string {
	const u = new URL(url);
	const params = [...u.searchParams].sort(([a, av], [b, bv]) =>
		a === b ? av.localeCompare(bv) : a < b ? -1 : 1,
	);
	const query = new URLSearchParams([
		["__cv", CACHE_VERSION],
		["__gen", generation],
		...params,
	]);
	return `${u.origin}${u.pathname}?${query}`;
}

/** A strong validator: the SHA-256 of the exact bytes (base64url, 128 bits kept). */
async function strongEtag(body: ArrayBuffer): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", body));
	return `"${toBase64Url(digest.subarray(0, 16))}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored. */
export function matchesIfNoneMatch(
	header: string | undefined,
	etag: string,
): boolean {
	if (!header) return false;
	if (header.trim() === "*") return true;
	const bare = etag.replace(/^W\//, "");
	return header
		.split(",")
		.some((candidate) => candidate.trim().replace(/^W\//, "") === bare);
}

function notModified(etag: string, serverTiming: string): Response {
	return new Response(null, {
		status: 304,
		headers: {
			ETag: etag,
			"Cache-Control": CATALOG_CACHE_CONTROL,
			"Server-Timing": serverTiming,
		},
	});
}

/**
 * Serves public GETs from the Workers Cache API (a hit costs 0 database round trips and says
 * `cache;desc="hit"` in Server-Timing, a miss `cache;desc="miss"`), stores 200s with a strong ETag, answers 304 to a
 * matching If-None-Match on hits and misses alike. Errors are never cached.
 */
export const edgeCache = () =>
	createMiddleware<AppEnv>(async (c, next) => {
		const cache = caches.default;
		const key = cacheKey(c.req.url, await catalogVersion(c.var.services));
		const ifNoneMatch = c.req.header("If-None-Match");

		const hit = await cache.match(key);
		if (hit) {
			const etag = hit.headers.get("ETag") ?? "";
			if (matchesIfNoneMatch(ifNoneMatch, etag))
				return notModified(etag, 'cache;desc="hit"');
			return new Response(hit.body, {
				status: 200,
				headers: {
					"Content-Type": hit.headers.get("Content-Type") ?? "application/json",
					ETag: etag,
					"Cache-Control": CATALOG_CACHE_CONTROL,
					"Server-Timing": 'cache;desc="hit"',
				},
			});
		}

		await next();
		if (c.res.status !== 200) return;
		const body = await c.res.arrayBuffer();
		const etag = await strongEtag(body);
		const headers = {
			"Content-Type": c.res.headers.get("Content-Type") ?? "application/json",
			ETag: etag,
			"Cache-Control": CATALOG_CACHE_CONTROL,
		};
		c.var.services.waitUntil(cache.put(key, new Response(body, { headers })));
		c.res = matchesIfNoneMatch(ifNoneMatch, etag)
			? notModified(etag, 'cache;desc="miss"')
			: new Response(body, {
					status: 200,
					headers: { ...headers, "Server-Timing": 'cache;desc="miss"' },
				});
	});
