import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { createApp } from "../../../src/app";
import { conform } from "./contract";

export const BASE = "http://voidshop.test";

/**
 * Calls the real Worker's fetch handler, as a storefront would; the answer must match the
 * OpenAPI document (helpers/contract.ts) or the test fails.
 */
export async function call(
	path: string,
	init: RequestInit = {},
): Promise<Response> {
	const request = new Request(`${BASE}${path}`, init);
	return conform(request, await exports.default.fetch(request.clone()));
}

/**
 * call() through an app given other bindings (a dead dependency, tuned limits, another config),
 * checked against the API's document. Pass `app` to share one app (and its isolate state) across
 * calls; `ownRoutes: true` when that app has test-only routes (checked against its own document).
 */
export async function callWith(
	bindings: object,
	path: string,
	init: RequestInit = {},
	options: {
		app?: ReturnType<typeof createApp>;
		ownRoutes?: boolean;
		ctx?: ExecutionContext;
	} = {},
): Promise<Response> {
	const app = options.app ?? createApp();
	const request = new Request(`${BASE}${path}`, init);
	return conform(
		request,
		await app.request(request.clone(), undefined, bindings as Env, options.ctx),
		options.ownRoutes ? app : undefined,
	);
}

export function json(body: unknown, init: RequestInit = {}): RequestInit {
	return {
		method: "POST",
		...init,
		headers: {
			"Content-Type": "application/json",
			...(init.headers as Record<string, string> | undefined),
		},
		body: JSON.stringify(body),
	};
}

/** Round trips reported by `Server-Timing: db;desc="N";dur=…` — what the budgets are asserted on. */
export function dbRoundTrips(res: Response): number {
	const match = /(?:^|,\s*)db;desc="(\d+)"/.exec(
		res.headers.get("Server-Timing") ?? "",
	);
	if (!match?.[1])
		throw new Error(
			`no db metric in Server-Timing: ${res.headers.get("Server-Timing")}`,
		);
	return Number(match[1]);
}

interface Envelope {
	error: {
		code: string;
		message: string;
		details?: unknown;
		requestId: string;
	};
}

/** Asserts the standard error envelope and status; returns the error for further checks. */
export async function expectError(
	res: Response,
	status: number,
	code: string,
): Promise<Envelope["error"]> {
	const body = (await res.json()) as Envelope;
	expect({ status: res.status, code: body.error?.code }).toEqual({
		status,
		code,
	});
	expect(body.error.message).toEqual(expect.any(String));
	expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
	return body.error;
}
