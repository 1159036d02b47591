import { hashPassword } from "../../../src/modules/auth/password";

/**
 * Keeps the isolate's thread busy for `ms` the way a concurrent login does: PBKDF2 calls one after
 * another, never yielding to the event loop, so workerd reads no socket and fires no timer
 * meanwhile (lib/deadline.ts). Returns how many hashes it took.
 */
export async function stallIsolate(ms: number): Promise<number> {
	const started = Date.now();
	let hashes = 0;
	while (Date.now() - started < ms) {
		await hashPassword("a concurrent login", 1);
		hashes++;
	}
	return hashes;
}

/**
 * Resolves when code in this isolate next calls fetch() to `origin` (a dependency's call is then
 * under way and its deadline counting), so a stall can be made to overlap it. fetch is restored
 * at that call.
 */
export function nextFetchTo(origin: string): Promise<void> {
	const realFetch = globalThis.fetch;
	return new Promise((resolve) => {
		globalThis.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
			const url = input instanceof Request ? input.url : String(input);
			if (new URL(url).origin === origin) {
				globalThis.fetch = realFetch;
				resolve();
			}
			return realFetch(input, init);
		};
	});
}
