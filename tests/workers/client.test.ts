import type { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppType } from "../../src/app";
import { createClient } from "../../src/client";
import { asAdmin } from "./helpers/catalog";
import { BASE, call } from "./helpers/http";

/**
 * The typed client (src/client.ts) end to end: its request goes through the real Worker and the
 * contract check (call()), and its response types are checked by `tsc --noEmit` (npm run
 * typecheck compiles this file).
 */

// biome-ignore lint/suspicious/noExplicitAny: only the route schema of the app matters here
type Routes = AppType extends Hono<any, infer S, any> ? S : never;
/** Answers without a JSON body: no body (202 accepted, 204, 304), HTML (the docs page), image bytes. */
type Bodyless = 202 | 204 | 304;
type NotJson = "/docs" | "/v1/images/:key";
/**
 * `"<path> <method> <status>"` of one route's response when the client types its body as
 * nothing in particular: `{}` (a response declared without a schema, answered by a handler
 * whose value the route does not describe) or unknown. Distributes over the route's statuses.
 */
type Untyped<P extends string, M extends string, R> = R extends {
	status: infer S extends number;
	output: infer O;
}
	? S extends Bodyless
		? never
		: // biome-ignore lint/complexity/noBannedTypes: `{}` is exactly the untyped body
			{} extends O
			? `${P} ${M} ${S}`
			: never
	: never;
type UntypedResponses = {
	[P in Exclude<keyof Routes, NotJson>]: {
		[M in keyof Routes[P]]: Untyped<P & string, M & string, Routes[P][M]>;
	}[keyof Routes[P]];
}[Exclude<keyof Routes, NotJson>];
/**
 * Fails to compile, naming the responses, when a route answers a body the client cannot type
 * (a response declared without a schema, or a handler whose result the route does not describe).
 */
const everyResponseTyped: [UntypedResponses] extends [never]
	? true
	: UntypedResponses = true;

const api = createClient(BASE, {
	fetch: (input: RequestInfo | URL, init?: RequestInit) => {
		const url = new URL(input instanceof Request ? input.url : String(input));
		return call(`${url.pathname}${url.search}`, init);
	},
});

describe("createClient (hono's hc on AppType)", () => {
	it("types every route's response bodies (checked by tsc)", () => {
		expect(everyResponseTyped).toBe(true);
	});

	it("types an admin list and its error envelope", async () => {
		const res = await api.v1.admin.users.$get(
			{ query: { limit: "1" } },
			{ headers: await asAdmin() },
		);
		if (res.status !== 200) throw new Error(`status ${res.status}`);
		const page = await res.json();
		// Typed fields: each line below stops compiling if the body becomes unknown or changes.
		const cursor: string | null = page.nextCursor;
		const roles: ("customer" | "admin")[] = page.data.map((u) => u.role);
		expect(page.data.length).toBeLessThanOrEqual(1);
		expect(typeof cursor === "string" || cursor === null).toBe(true);
		expect(roles.every((r) => r === "customer" || r === "admin")).toBe(true);

		const denied = await api.v1.admin.users.$get({ query: {} });
		expect(denied.status).toBe(401);
		if (denied.status === 401) {
			const { error } = await denied.json();
			const code: string = error.code;
			// @ts-expect-error the envelope has `message`, not `reason`
			void error.reason;
			expect({ code, requestId: error.requestId }).toEqual({
				code: "UNAUTHENTICATED",
				requestId: denied.headers.get("X-Request-Id"),
			});
		}
	});
});
