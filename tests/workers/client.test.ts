import { env } from "cloudflare:workers";
import type { Hono } from "hono";
import type { StatusCode } from "hono/utils/http-status";
import { describe, expect, it } from "vitest";
import type { AppType } from "../../src/app";
import { type Completed, createClient } from "../../src/client";
import type { ErrorCode } from "../../src/lib/errors";
import { asAdmin } from "./helpers/catalog";
import { BASE, call, callWith } from "./helpers/http";

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

/**
 * The document's statuses against the client's, operation by operation: the document is
 * `build/openapi.json`, which `npm run typecheck` writes (dev/openapi-export.ts) before it runs
 * tsc; a JSON module keeps its keys, so paths, methods and statuses are literal types here.
 * The document completes each operation with the error statuses its kind can answer
 * (lib/openapi-document.ts) and the client types them (src/client.ts `Completed`); this fails to
 * compile, naming the operation and the status, the moment the two disagree.
 */
type Document = typeof import("../../build/openapi.json");
type DocumentPaths = Document["paths"];
/** Served outside the typed route tree: the document itself (plain hono), the docs page (HTML). */
type DocumentOnly = "/v1/openapi.json";
type ClientOnly = "/docs";
type ClientRoutes = Completed<Routes>;
/** `/v1/products/{idOrSlug}` → `/v1/products/:idOrSlug` */
type RoutePath<P extends string> = P extends `${infer A}{${infer N}}${infer B}`
	? `${A}:${N}${RoutePath<B>}`
	: P;
type DocumentStatus<Op> = Op extends { responses: infer R }
	? keyof R & string
	: never;
type StatusOf<E> = E extends { status: infer S extends number } ? S : never;
/**
 * Where the client and the document differ on an endpoint's statuses. Nothing to compare when
 * the client types every status code: a response that is a raw `Response` (image bytes).
 */
type StatusDisagreement<Where extends string, Op, E> =
	StatusCode extends StatusOf<E>
		? never
		:
				| `${Where}: the document answers ${Exclude<DocumentStatus<Op>, `${StatusOf<E>}`>}, the client does not type it`
				| `${Where}: the client types ${Exclude<`${StatusOf<E>}`, DocumentStatus<Op>>}, the document does not answer it`;
type DocumentVsClient = {
	[P in keyof DocumentPaths & string]: P extends DocumentOnly
		? never
		: RoutePath<P> extends keyof ClientRoutes
			? {
					[M in keyof DocumentPaths[P] &
						string]: `$${M}` extends keyof ClientRoutes[RoutePath<P>]
						? StatusDisagreement<
								`${Uppercase<M>} ${P}`,
								DocumentPaths[P][M],
								ClientRoutes[RoutePath<P>][`$${M}`]
							>
						: `${Uppercase<M>} ${P}: documented, not in the client`;
				}[keyof DocumentPaths[P] & string]
			: `${P}: documented, not in the client`;
}[keyof DocumentPaths & string];
/** `/v1/products/:idOrSlug` → `/v1/products/{idOrSlug}` */
type DocumentPath<P extends string> =
	P extends `${infer A}:${infer N}/${infer B}`
		? `${A}{${N}}/${DocumentPath<B>}`
		: P extends `${infer A}:${infer N}`
			? `${A}{${N}}`
			: P;
type ClientVsDocument = {
	[P in keyof ClientRoutes & string]: P extends ClientOnly
		? never
		: DocumentPath<P> extends keyof DocumentPaths
			? {
					[M in keyof ClientRoutes[P] & string]: M extends `$${infer Method}`
						? Method extends keyof DocumentPaths[DocumentPath<P>]
							? never
							: `${Uppercase<Method>} ${P}: in the client, not documented`
						: never;
				}[keyof ClientRoutes[P] & string]
			: `${P}: in the client, not documented`;
}[keyof ClientRoutes & string];
/** Each disagreement spelled out (new literals, so tsc prints them rather than an alias). */
type Disagreements = DocumentVsClient | ClientVsDocument extends infer D extends
	string
	? `disagree: ${D}`
	: never;
const documentAndClientAgree: [Disagreements] extends [never]
	? true
	: Disagreements = true;

/** Where nothing listens (tests/global-setup.ts): a database that refuses every connection. */
const faults = env as unknown as { TEST_FAULT_DEAD_URL: string };

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

	it("types exactly the statuses the document gives each operation (checked by tsc)", () => {
		expect(documentAndClientAgree).toBe(true);
	});

	it("types the statuses the document adds centrally, with the error envelope", async () => {
		// A database that refuses: every route that reaches it answers 503, which no route declares
		// itself (lib/openapi-document.ts adds it); the client still narrows on it.
		const down = createClient(BASE, {
			fetch: (input: RequestInfo | URL, init?: RequestInit) => {
				const url = new URL(
					input instanceof Request ? input.url : String(input),
				);
				return callWith(
					{
						...env,
						NEON_LOCAL_FETCH_ENDPOINT: `${faults.TEST_FAULT_DEAD_URL}/sql`,
					},
					`${url.pathname}${url.search}`,
					init,
				);
			},
		});
		// A slug nothing has cached: the edge cache cannot answer for the database.
		const res = await down.v1.products[":idOrSlug"].$get({
			param: { idOrSlug: `no-such-${crypto.randomUUID()}` },
		});
		expect(res.status).toBe(503);
		if (res.status === 503) {
			const { error } = await res.json();
			const code: ErrorCode = error.code;
			// @ts-expect-error `code` is the ErrorCode union, not any string
			void (error.code === "SERVICE_DOWN");
			expect({ code, requestId: error.requestId }).toEqual({
				code: "DEPENDENCY_UNAVAILABLE",
				requestId: res.headers.get("X-Request-Id"),
			});
		}
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
