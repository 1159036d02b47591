/**
 * Password hashing: PBKDF2-HMAC-SHA256 through Web Crypto, so the same module runs in the Worker
 * and in Node (the admin:create command and the dev seed).
 *
 * workerd refuses more than 100,000 iterations in one deriveBits call; OWASP asks 600,000 for
 * PBKDF2-HMAC-SHA256. So a hash is a chain of `rounds` calls of `iterations` each, every call
 * salted with the previous call's output (the first with the random salt) and keyed with the
 * password: `rounds × iterations` sequential HMACs that cannot be shortcut or parallelised, the
 * same work as one PBKDF2 of that many iterations. Stored self-describing,
 * `pbkdf2-sha256-chain$<rounds>x<iterations>$<salt base64>$<hash base64>`; one round equals plain
 * PBKDF2, and the older single-call format `pbkdf2-sha256$<iterations>$<salt>$<hash>` still
 * verifies and is upgraded at the next successful login.
 */

import { fromBase64, toBase64 } from "../../lib/encoding";

/** workerd refuses PBKDF2 above 100,000 iterations per call. */
export const PBKDF2_MAX_CALL_ITERATIONS = 100_000;
/** OWASP's floor for PBKDF2-HMAC-SHA256: 6 chained calls of 100,000 (PASSWORD_HASH_ROUNDS). */
export const PRODUCTION_HASH_ROUNDS = 6;
const SALT_BYTES = 16;
const HASH_BITS = 256;
const SCHEME = "pbkdf2-sha256-chain";
const LEGACY_SCHEME = "pbkdf2-sha256";
const MAX_ROUNDS = 20;

const encoder = new TextEncoder();

type Bytes = Uint8Array<ArrayBuffer>;

/** NFKC first (NIST 800-63B), so the same password typed on different keyboards matches. */
function normalize(password: string): Bytes {
	return new Uint8Array(encoder.encode(password.normalize("NFKC")));
}

function importPassword(password: string): Promise<CryptoKey> {
	return crypto.subtle.importKey("raw", normalize(password), "PBKDF2", false, [
		"deriveBits",
	]);
}

async function derive(
	key: CryptoKey,
	salt: Bytes,
	iterations: number,
): Promise<Bytes> {
	const bits = await crypto.subtle.deriveBits(
		{ name: "PBKDF2", hash: "SHA-256", salt, iterations },
		key,
		HASH_BITS,
	);
	return new Uint8Array(bits);
}

async function chain(
	password: string,
	salt: Bytes,
	cost: { rounds: number; iterations: number },
): Promise<Bytes> {
	const key = await importPassword(password);
	let block = salt;
	for (let round = 0; round < cost.rounds; round++)
		block = await derive(key, block, cost.iterations);
	return block;
}

/** Compares every byte whatever the first difference, so timing says nothing about the hash. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	let diff = a.length ^ b.length;
	for (let i = 0; i < a.length; i++)
		diff |= (a[i] ?? 0) ^ (b[i % b.length] ?? 0);
	return diff === 0;
}

/** A new hash at `rounds` chained calls of 100,000 iterations (PASSWORD_HASH_ROUNDS). */
export async function hashPassword(
	password: string,
	rounds = PRODUCTION_HASH_ROUNDS,
): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const cost = { rounds, iterations: PBKDF2_MAX_CALL_ITERATIONS };
	const hash = await chain(password, salt, cost);
	return `${SCHEME}$${rounds}x${cost.iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

interface ParsedHash {
	rounds: number;
	iterations: number;
	salt: Bytes;
	hash: Bytes;
	legacy: boolean;
}

const isCount = (n: number, max: number) =>
	Number.isInteger(n) && n >= 1 && n <= max;

function parse(stored: string): ParsedHash | undefined {
	const [scheme, cost, salt, hash, ...rest] = stored.split("$");
	if (rest.length > 0 || !cost || !salt || !hash) return undefined;
	let rounds: number;
	let iterations: number;
	if (scheme === SCHEME) {
		const m = /^(\d{1,2})x(\d{1,6})$/.exec(cost);
		rounds = Number(m?.[1]);
		iterations = Number(m?.[2]);
	} else if (scheme === LEGACY_SCHEME) {
		rounds = 1;
		iterations = /^\d{1,6}$/.test(cost) ? Number(cost) : Number.NaN;
	} else return undefined;
	if (
		!isCount(rounds, MAX_ROUNDS) ||
		!isCount(iterations, PBKDF2_MAX_CALL_ITERATIONS)
	)
		return undefined;
	try {
		return {
			rounds,
			iterations,
			salt: fromBase64(salt),
			hash: fromBase64(hash),
			legacy: scheme === LEGACY_SCHEME,
		};
	} catch {
		return undefined;
	}
}

/**
 * A well-formed hash of a random password at the target cost, for accounts that do not exist:
 * login verifies against it so an unknown email costs the same PBKDF2 work as a wrong password.
 */
const dummyHash = (rounds: number) =>
	`${SCHEME}$${rounds}x${PBKDF2_MAX_CALL_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;

interface VerifyResult {
	ok: boolean;
	/** The hash uses weaker parameters than today's; store a fresh one while the password is at hand. */
	needsRehash: boolean;
}

/**
 * Checks `password` against a stored hash, or against a dummy when `stored` is undefined (unknown
 * account) or malformed, so every path does the work of the target cost (`rounds` × 100,000): a
 * weaker stored hash is padded with throw-away iterations up to it, so the time of a login says
 * nothing about whether the account exists or how old its hash is. Never matches a malformed hash.
 */
export async function verifyPassword(
	password: string,
	stored: string | undefined,
	rounds = PRODUCTION_HASH_ROUNDS,
): Promise<VerifyResult> {
	const real = stored === undefined ? undefined : parse(stored);
	const parsed = real ?? parse(dummyHash(rounds));
	if (!parsed) throw new Error("dummy password hash is malformed");
	const candidate = await chain(password, parsed.salt, parsed);
	const target = rounds * PBKDF2_MAX_CALL_ITERATIONS;
	let padding = target - parsed.rounds * parsed.iterations;
	if (padding > 0) {
		const key = await importPassword(password);
		for (; padding > 0; padding -= PBKDF2_MAX_CALL_ITERATIONS)
			await derive(
				key,
				parsed.salt,
				Math.min(padding, PBKDF2_MAX_CALL_ITERATIONS),
			);
	}
	const ok = real !== undefined && constantTimeEqual(candidate, real.hash);
	return {
		ok,
		needsRehash: ok && (real.legacy || real.rounds * real.iterations < target),
	};
}
