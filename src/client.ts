import { type ClientRequestOptions, hc } from "hono/client";
import type { AppType } from "./app";

export type { InferRequestType, InferResponseType } from "hono/client";

/**
 * The whole route tree as a client type, computed once here so a storefront's type-checker never
 * re-derives it. `npm run client:types` emits it as build/client/client.d.ts, which refers to
 * nothing but hono's types: a storefront compiles it without Workers types or this repo's sources.
 */
const typed = hc<AppType>("");
export type Client = typeof typed;

/**
 * A typed VoidShop client for storefronts (browser, Node, workers) on hono's `hc`: request and
 * response bodies, success and error envelope alike, are typed per route and status. The only
 * runtime code is hono's small fetch wrapper.
 */
export function createClient(
	baseUrl: string,
	options?: ClientRequestOptions,
): Client {
	return hc<AppType>(baseUrl, options);
}
