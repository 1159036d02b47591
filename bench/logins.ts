import { load, type Result } from "./load";

const PASSWORD = "bench-login-passphrase-42";

/** A client address per request, so the per-network login limit never answers 429. */
const ip = (n: number) => `2001:db8:${(n >> 16) & 0xffff}:${n & 0xffff}::1`;

const post = (body: unknown, n: number): RequestInit => ({
	method: "POST",
	headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip(n) },
	body: JSON.stringify(body),
});

/**
 * Login (email + password, PBKDF2 verify, session batch) on a Worker whose PASSWORD_HASH_ROUNDS
 * is `rounds`, by ONE client: a login's latency is then its PBKDF2 CPU plus two loopback round
 * trips, with no queueing behind other logins in the isolate.
 */
export async function loginScenario(
	origin: string,
	rounds: number,
): Promise<Result> {
	const email = `bench-${rounds}-${Date.now()}@example.com`;
	const res = await fetch(
		`${origin}/v1/auth/register`,
		post({ email, password: PASSWORD, name: "Bench" }, rounds << 20),
	);
	if (res.status !== 201)
		throw new Error(`login setup: ${res.status} ${await res.text()}`);
	return load(
		origin,
		(n) => ["/v1/auth/login", post({ email, password: PASSWORD }, n)],
		`login (${rounds} × 100,000 PBKDF2 iterations)`,
		"live",
		200,
		Number.POSITIVE_INFINITY,
		1,
	);
}
