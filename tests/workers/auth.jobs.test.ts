import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { passwordResetTokens, sessions } from "../../src/db/schema";
import { uuidv7 } from "../../src/lib/ids";
import { sha256Hex } from "../../src/lib/tokens";
import { register } from "./helpers/auth";
import { runCron } from "./helpers/cron";
import { testDb } from "./helpers/db";

afterEach(() => vi.restoreAllMocks());

describe("scheduled purge of auth tokens", () => {
	it("deletes sessions a week past their end and reset tokens a day past expiry, keeping live ones", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const { userId } = await register();
		const db = testDb();
		const [expired, revoked, live] = [uuidv7(), uuidv7(), uuidv7()];
		await db.insert(sessions).values([
			{
				id: expired,
				userId,
				createdAt: sql`now() - interval '40 days'`,
				expiresAt: sql`now() - interval '8 days'`,
			},
			{
				id: revoked,
				userId,
				expiresAt: sql`now() + interval '20 days'`,
				revokedAt: sql`now() - interval '8 days'`,
				revokedReason: "logout",
			},
			{ id: live, userId, expiresAt: sql`now() + interval '20 days'` },
		]);
		const oldReset = uuidv7();
		await db.insert(passwordResetTokens).values({
			id: oldReset,
			userId,
			tokenHash: await sha256Hex(crypto.randomUUID()),
			expiresAt: sql`now() - interval '2 days'`,
		});

		await runCron();

		const left = await db
			.select({ id: sessions.id })
			.from(sessions)
			.where(eq(sessions.userId, userId));
		expect(left.map((s) => s.id).sort()).toEqual(
			expect.arrayContaining([live]),
		);
		expect(left.map((s) => s.id)).not.toContain(expired);
		expect(left.map((s) => s.id)).not.toContain(revoked);
		const resets = await db
			.select()
			.from(passwordResetTokens)
			.where(eq(passwordResetTokens.id, oldReset));
		expect(resets).toEqual([]);
	});
});
