/**
 * Password hashing: PBKDF2-SHA256 through Web Crypto, so the same module runs in the Worker and
 * in Node (the admin:create command and the dev seed). Stored format is self-describing,
 * `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`, so the cost can be raised later and
 * old hashes upgraded on the next successful login.
 */

import { fromBase64, toBase64 } from "../../lib/encoding";

/** workerd refuses PBKDF2 above 100,000 iterations; this is the most it can do. */
export const PBKDF2_ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const SCHEME = "pbkdf2-sha256";

const encoder = new TextEncoder();

type Bytes = Uint8Array<ArrayBuffer>;

/** NFKC first (NIST 800-63B), so the same password typed on different keyboards matches. */
function normalize(password: string): Bytes {
	return new Uint8Array(encoder.encode(password.normalize("NFKC")));
}

async function derive(
	password: string,
	salt: Bytes,
	iterations: number,
): Promise<Bytes> {
	const key = await crypto.subtle.importKey(
		"raw",
		normalize(password),
		"PBKDF2",
		false,
		["deriveBits"],
	);
	const bits = await crypto.subtle.deriveBits(
		{ name: "PBKDF2", hash: "SHA-256", salt, iterations },
		key,
		HASH_BITS,
	);
	return new Uint8Array(bits);
}

/** Compares every byte whatever the first difference, so timing says nothing about the hash. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	let diff = a.length ^ b.length;
	for (let i = 0; i < a.length; i++)
		diff |= (a[i] ?? 0) ^ (b[i % b.length] ?? 0);
	return diff === 0;
}

export async function hashPassword(
	password: string,
	iterations = PBKDF2_ITERATIONS,
): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(password, salt, iterations);
	return `${SCHEME}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

interface ParsedHash {
	iterations: number;
	salt: Bytes;
	hash: Bytes;
}

function parse(stored: string): ParsedHash | undefined {
	const [scheme, iterations, salt, hash, ...rest] = stored.split("$");
	const n = Number(iterations);
	if (scheme !== SCHEME || rest.length > 0 || !salt || !hash) return undefined;
	if (!Number.isInteger(n) || n < 1 || n > PBKDF2_ITERATIONS) return undefined;
	try {
		return { iterations: n, salt: fromBase64(salt), hash: fromBase64(hash) };
	} catch {
		return undefined;
	}
}

/**
 * A well-formed hash of a random password, for accounts that do not exist: login verifies
 * against it so an unknown email costs the same PBKDF2 work as a wrong password.
 */
const DUMMY_HASH = `${SCHEME}$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

interface VerifyResult {
	ok: boolean;
	/** The hash uses weaker parameters than today's; store a fresh one while the password is at hand. */
	needsRehash: boolean;
}

/**
 * Checks `password` against a stored hash, or against a dummy when `stored` is undefined (unknown
 * account) so both paths do one full PBKDF2 derivation. A malformed stored hash never matches.
 */
export async function verifyPassword(
	password: string,
	stored: string | undefined,
): Promise<VerifyResult> {
	const parsed = parse(stored ?? DUMMY_HASH) ?? parse(DUMMY_HASH);
	if (!parsed) throw new Error("dummy password hash is malformed");
	const candidate = await derive(password, parsed.salt, parsed.iterations);
	const ok =
		stored !== undefined &&
		parse(stored) !== undefined &&
		constantTimeEqual(candidate, parsed.hash);
	return { ok, needsRehash: ok && parsed.iterations < PBKDF2_ITERATIONS };
}
