import { matchesIfNoneMatch } from "./edge-cache";

const IMMUTABLE = "public, max-age=31536000, immutable";

/** The R2 object with immutable caching (its key is its hash), or a 304, or undefined. */
export async function serveImage(
	bucket: R2Bucket,
	params: { key: string; ifNoneMatch: string | undefined },
): Promise<Response | undefined> {
	const { key, ifNoneMatch } = params;
	const object = await bucket.get(key);
	if (!object) return undefined;
	const headers = new Headers({
		"Cache-Control": IMMUTABLE,
		ETag: object.httpEtag,
		"Content-Type":
			object.httpMetadata?.contentType ?? "application/octet-stream",
		"X-Content-Type-Options": "nosniff",
		// Storefronts on other origins render these; the API's default is same-origin.
		"Cross-Origin-Resource-Policy": "cross-origin",
	});
	if (matchesIfNoneMatch(ifNoneMatch, object.httpEtag)) {
		await object.body.cancel();
		return new Response(null, { status: 304, headers });
	}
	headers.set("Content-Length", String(object.size));
	return new Response(object.body, { status: 200, headers });
}
