import { describe, expect, it } from "vitest";
import {
	hashPassword,
	PRODUCTION_HASH_ROUNDS,
	verifyPassword,
} from "../../src/modules/auth/password";

/** Made by `hashPassword` under Node at the production cost (as admin:create and the dev seed run it). */
const NODE_HASH =
	"pbkdf2-sha256-chain$6x100000$zDhh4Ini/YVKcZ/lJeJmow==$pRSQ4KrrMm8C8wzZYflsPVsWXQdVciflAazD09MG1aY=";
/** The single-call format stored before the chain (one PBKDF2 of 100,000), made under Node. */
const LEGACY_HASH =
	"pbkdf2-sha256$100000$tDIUm/oDKSm8i7BuocBauw==$gjhN6VGGAlxx72nLIlfM8Fq8QsPCWHLLMnNnIHyelps=";
const LEGACY_PASSWORD = "node-made passphrase ✓";

describe("password hashing", () => {
	it("stores the production cost by default: 6 chained calls of 100,000 (600,000 iterations), a fresh 16-byte salt each time", async () => {
		expect(PRODUCTION_HASH_ROUNDS * 100_000).toBe(600_000);
		const started = Date.now();
		const a = await hashPassword("same passphrase");
		const ms = Date.now() - started;
		const b = await hashPassword("same passphrase");
		expect(a).toMatch(
			/^pbkdf2-sha256-chain\$6x100000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/,
		);
		expect(a).not.toBe(b);
		expect(await verifyPassword("same passphrase", a)).toEqual({
			ok: true,
			needsRehash: false,
		});
		expect((await verifyPassword("same passphrase!", a)).ok).toBe(false);
		console.log(`one hash at the production cost: ${ms} ms`);
	});

	it("verifies a hash made under Node, so admin:create and the seed agree with the Worker", async () => {
		expect(await verifyPassword("node-made passphrase ✓", NODE_HASH)).toEqual({
			ok: true,
			needsRehash: false,
		});
		expect((await verifyPassword("node-made passphrase", NODE_HASH)).ok).toBe(
			false,
		);
	});

	it("one round is plain PBKDF2: the single-call format verifies, and asks to be rehashed", async () => {
		expect(await verifyPassword(LEGACY_PASSWORD, LEGACY_HASH)).toEqual({
			ok: true,
			needsRehash: true,
		});
		// Even where the configured cost is one round: the old format is always upgraded.
		expect(await verifyPassword(LEGACY_PASSWORD, LEGACY_HASH, 1)).toEqual({
			ok: true,
			needsRehash: true,
		});
		expect((await verifyPassword("wrong", LEGACY_HASH)).ok).toBe(false);
		const sameSalt = LEGACY_HASH.split("$");
		const chained = `pbkdf2-sha256-chain$1x100000$${sameSalt[2]}$${sameSalt[3]}`;
		expect(await verifyPassword(LEGACY_PASSWORD, chained, 1)).toEqual({
			ok: true,
			needsRehash: false,
		});
	});

	it("treats Unicode compositions alike (NFKC) and asks for a rehash of weaker hashes", async () => {
		const weak = await hashPassword("caf\u00e9 au lait", 1);
		expect(await verifyPassword("cafe\u0301 au lait", weak, 2)).toEqual({
			ok: true,
			needsRehash: true,
		});
		expect(await verifyPassword("cafe\u0301 au lait", weak, 1)).toEqual({
			ok: true,
			needsRehash: false,
		});
	});

	it("never matches an unknown account or a malformed hash", async () => {
		expect(await verifyPassword("anything", undefined, 1)).toEqual({
			ok: false,
			needsRehash: false,
		});
		for (const stored of [
			"",
			"plain",
			"pbkdf2-sha256$100000$$",
			"bcrypt$10$abc$def",
			"pbkdf2-sha256$999999$AA==$AA==",
			"pbkdf2-sha256-chain$0x100000$AA==$AA==",
			"pbkdf2-sha256-chain$6x100001$AA==$AA==",
			"pbkdf2-sha256-chain$21x1000$AA==$AA==",
			"pbkdf2-sha256-chain$6$AA==$AA==",
		])
			expect((await verifyPassword("anything", stored, 1)).ok).toBe(false);
	});
});
