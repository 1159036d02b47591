import { exports } from "cloudflare:workers";
import { expect } from "vitest";

export const BASE = "http://voidshop.test";

/** Calls the real Worker's fetch handler, as a storefront would. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
	return exports.default.fetch(new Request(`${BASE}${path}`, init));
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
