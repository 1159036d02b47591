import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { toBase64Url } from "../../lib/encoding";

/**
 * The docs UI is Scalar's API reference, loaded by the browser from jsDelivr at a pinned version
 * (the Worker only serves ~1 KB of HTML, so the bundle stays small), reading /v1/openapi.json.
 */
const SCALAR_BUNDLE =
	"https://cdn.jsdelivr.net/npm/@scalar/api-reference@1.72.1/dist/browser/standalone.js";

/**
 * The API's CSP (`default-src 'none'`) loads nothing; this page alone may run the pinned bundle
 * and its nonced inline initialiser, use inline styles, and call this origin ("Try it" and the
 * document). Still never framed.
 */
function docsCsp(nonce: string): string {
	return [
		"default-src 'none'",
		`script-src 'nonce-${nonce}' https://cdn.jsdelivr.net`,
		"style-src 'unsafe-inline'",
		"img-src 'self' data: https:",
		"font-src data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	].join("; ");
}

/** `GET /docs`: interactive API reference (not part of the OpenAPI document itself). */
export const docsRoutes = new Hono<AppEnv>().get(
	"/",
	Scalar<AppEnv>((c) => {
		const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
		c.header("Content-Security-Policy", docsCsp(nonce));
		return {
			url: "/v1/openapi.json",
			pageTitle: "VoidShop API",
			cdn: SCALAR_BUNDLE,
			nonce,
			withDefaultFonts: false,
			telemetry: false,
		};
	}),
);
