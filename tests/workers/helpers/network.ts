/**
 * The network inside workerd tests: only the local stack's hosts are reachable; third parties
 * (Stripe, the email provider) answer only through an explicit intercept, which records calls.
 */
interface InterceptedCall {
	url: string;
	method: string;
	headers: Headers;
	body: string;
}

type Handler = (call: InterceptedCall) => Response | Promise<Response>;

const intercepts = new Map<string, Handler>();
let allowedHosts = new Set<string>();
const realFetch = globalThis.fetch;

export function installNetworkGuard(localHosts: string[]): void {
	allowedHosts = new Set(localHosts);
	globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
		const request = new Request(input, init);
		const url = new URL(request.url);
		// An intercept wins over a local host, so a test can make the Stripe stand-in fail or hang.
		const handler = intercepts.get(url.origin);
		if (!handler && allowedHosts.has(url.host)) return realFetch(input, init);
		if (!handler)
			throw new Error(
				`network blocked in tests: ${request.method} ${url.origin}${url.pathname}`,
			);
		const answer = handler({
			url: request.url,
			method: request.method,
			headers: request.headers,
			body: await request.text(),
		});
		// Like a real fetch, an intercepted one rejects when its signal aborts (client timeouts).
		const signal =
			init?.signal ?? (input instanceof Request ? input.signal : undefined);
		if (!signal) return answer;
		signal.throwIfAborted();
		return Promise.race([
			answer,
			new Promise<never>((_, reject) =>
				signal.addEventListener("abort", () => reject(signal.reason), {
					once: true,
				}),
			),
		]);
	};
}

/** Answers requests to `origin` with `handler` until `restore()`; `calls` lists what was sent. */
export function interceptOrigin(origin: string, handler: Handler) {
	const calls: InterceptedCall[] = [];
	intercepts.set(origin, (call) => {
		calls.push(call);
		return handler(call);
	});
	return { calls, restore: () => intercepts.delete(origin) };
}

/** Sends an intercepted call on to where it was going (a handler that fails only some calls). */
export function forward(call: InterceptedCall): Promise<Response> {
	return realFetch(call.url, {
		method: call.method,
		headers: call.headers,
		body:
			call.method === "GET" || call.method === "HEAD" ? undefined : call.body,
	});
}
