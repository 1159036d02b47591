import type { Hono, Schema } from "hono";
import { type ClientRequestOptions, hc } from "hono/client";
import type { AppType } from "./app";

export type { InferRequestType, InferResponseType } from "hono/client";

/**
 * The error statuses lib/openapi-document.ts adds to every operation of a kind, which the routes
 * do not declare themselves (so `hc` alone would not know them): 500 everywhere; 503 wherever the
 * Worker reaches a dependency (all but /health/live); 400 VALIDATION_FAILED with any input;
 * 400 INVALID_JSON, 413 and 415 with a JSON body, 413 with a form body; 401 and 403 on admin.
 * (401 for a token elsewhere is declared by each route that requires one.) Where a route
 * declares a status itself, its own response stays. client.test.ts fails to compile when the
 * document and these types disagree on any operation's statuses.
 */
type CommonStatus<Path extends string, Input> =
	| 500
	| (Path extends "/health/live" ? never : 503)
	| ([keyof Input] extends [never] ? never : 400)
	| ("json" extends keyof Input ? 413 | 415 : never)
	| ("form" extends keyof Input ? 413 : never)
	| (Path extends `/v1/admin/${string}` ? 401 | 403 : never);

/**
 * One endpoint (the union of its statuses' responses) with the common error statuses it does not
 * declare added. Not distributive: `Declared` is every status the route declares.
 */
type WithCommonErrors<Path extends string, E, Envelope> = [E] extends [
	{ input: infer Input; status: infer Declared },
]
	?
			| E
			| {
					[S in Exclude<CommonStatus<Path, Input>, Declared>]: {
						input: Input;
						output: Envelope;
						outputFormat: "json";
						status: S;
					};
			  }[Exclude<CommonStatus<Path, Input>, Declared>]
	: E;

/** Every endpoint of a route tree. */
type Endpoints<S> = { [P in keyof S]: S[P][keyof S[P]] }[keyof S];

/**
 * The error envelope exactly as the routes' own error responses type it (lib/openapi.ts
 * errorResponses: `error.code` any ErrorCode), taken from the tree rather than named, so the
 * emitted declarations spell it out with nothing but hono's types.
 */
type EnvelopeOf<S> =
	Extract<Endpoints<S>, { status: 400 | 401 | 404 }> extends {
		output: infer Output;
	}
		? Output
		: never;

/**
 * A route tree (`Routes` of `Hono<E, Routes>`), every endpoint completed as the document completes
 * its operation: the client's view of AppType's routes.
 */
export type Completed<S, Envelope = EnvelopeOf<S>> = {
	[P in keyof S]: {
		[M in keyof S[P]]: P extends string
			? WithCommonErrors<P, S[P][M], Envelope>
			: S[P][M];
	};
};

/** AppType with its route tree completed; env and base path as they are. */
type CompletedApp =
	AppType extends Hono<infer E, infer S, infer B>
		? Completed<S> extends infer C extends Schema
			? Hono<E, C, B>
			: never
		: never;

/**
 * The whole route tree as a client type, computed once here so a storefront's type-checker never
 * re-derives it. `npm run client:types` emits it as build/client/client.d.ts, which refers to
 * nothing but hono's types: a storefront compiles it without Workers types or this repo's sources.
 */
const typed = hc<CompletedApp>("");
export type Client = typeof typed;

/**
 * A typed VoidShop client for storefronts (browser, Node, workers) on hono's `hc`: request and
 * response bodies, success and error envelope alike, are typed per route and status, the error
 * statuses every route of a kind can answer (500, 503, …) included. The only runtime code is
 * hono's small fetch wrapper.
 */
export function createClient(
	baseUrl: string,
	options?: ClientRequestOptions,
): Client {
	return hc<CompletedApp>(baseUrl, options);
}
