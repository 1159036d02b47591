import { describe, expect, it } from "vitest";
import {
	hashPassword,
	PBKDF2_ITERATIONS,
	verifyPassword,
} from "../../src/modules/auth/password";

/** Made by `hashPassword` under Node (as admin:create and the dev seed run it). */
const NODE_HASH =
	"pbkdf2-sha256$100000$tDIUm/oDKSm8i7BuocBauw==$gjhN6VGGAlxx72nLIlfM8Fq8QsPCWHLLMnNnIHyelps=";

describe("password hashing", () => {
	it("stores the self-describing pbkdf2-sha256 format with a fresh 16-byte salt each time", async () => {
		const a = await hashPassword("same passphrase");
		const b = await hashPassword("same passphrase");
		expect(a).toMatch(
			new RegExp(
				`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=$`,
			),
		);
		expect(a).not.toBe(b);
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

	it("treats Unicode compositions alike (NFKC) and asks for a rehash of weaker hashes", async () => {
		const weak = await hashPassword("caf\u00e9 au lait", 1000);
		expect(await verifyPassword("cafe\u0301 au lait", weak)).toEqual({
			ok: true,
			needsRehash: true,
		});
	});

	it("never matches an unknown account or a malformed hash", async () => {
		expect(await verifyPassword("anything", undefined)).toEqual({
			ok: false,
			needsRehash: false,
		});
		for (const stored of [
			"",
			"plain",
			"pbkdf2-sha256$100000$$",
			"bcrypt$10$abc$def",
			"pbkdf2-sha256$999999$AA==$AA==",
		])
			expect((await verifyPassword("anything", stored)).ok).toBe(false);
	});
});
