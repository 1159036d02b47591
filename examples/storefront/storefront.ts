/**
 * A browser storefront's use of the typed client, type-checked by `npm run typecheck` under a
 * storefront's compiler settings (tsconfig.json here: DOM libs, no Workers types). Run
 * `npm run client:types` first; a storefront in another repository copies build/client/client.d.ts
 * and client.js (or points at them) the same way.
 */
import { createClient } from "../../build/client/client.js";

const api = createClient("http://localhost:8787", {
	// Same-site deployments send the refresh and cart cookies (see README, Storefront deployments).
	init: { credentials: "include" },
});

/** A typed success body: the card fields are known, a misspelt one does not compile. */
export async function productNames(search: string): Promise<string[]> {
	const res = await api.v1.products.$get({
		query: { q: search, limit: "12", "option.color": ["red", "blue"] },
	});
	if (!res.ok) return [];
	const page = await res.json();
	// @ts-expect-error a product card has no `title` (it is `name`)
	page.data[0]?.title;
	const cursor: string | null = page.nextCursor;
	void cursor;
	return page.data.map(
		(card) => `${card.name} (${card.price.min} ${card.price.currency})`,
	);
}

/** A typed error body: the status narrows the body to the error envelope and its codes. */
export async function signIn(
	email: string,
	password: string,
): Promise<{ accessToken: string } | { error: string }> {
	const res = await api.v1.auth.login.$post({ json: { email, password } });
	if (res.status === 200) {
		const { accessToken, user } = await res.json();
		void user.email;
		return { accessToken };
	}
	if (res.status === 401) {
		const { error } = await res.json();
		const code: "INVALID_CREDENTIALS" | (string & {}) = error.code;
		// @ts-expect-error the envelope has `message`, not `reason`
		error.reason;
		return { error: `${code}: ${error.message} (request ${error.requestId})` };
	}
	return { error: `HTTP ${res.status}` };
}

/** A product page: the path parameter and the 404 are both typed. */
export async function productTitle(slug: string): Promise<string> {
	const res = await api.v1.products[":idOrSlug"].$get({
		param: { idOrSlug: slug },
	});
	if (res.status === 404) {
		const { error } = await res.json();
		return `not found (${error.code})`;
	}
	if (res.ok) {
		const product = await res.json();
		return `${product.name}: ${product.variants.length} variants`;
	}
	// 503 (and 500) are answered by every route that reaches the database; the document adds
	// them centrally, and the client types them too, with the error envelope.
	if (res.status === 503) {
		const { error } = await res.json();
		const retry = Number(res.headers.get("Retry-After") ?? "1");
		// @ts-expect-error `code` is the ErrorCode union, not any string
		if (error.code === "SERVICE_DOWN") return "never";
		return error.code === "DEPENDENCY_UNAVAILABLE"
			? `busy, retry in ${retry} s (request ${error.requestId})`
			: `unavailable (${error.code})`;
	}
	return `HTTP ${res.status}`;
}
