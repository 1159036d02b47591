import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batch } from "../../src/db/batch";
import { users } from "../../src/db/schema";
import { PG, pgError } from "../../src/lib/errors";
import { uuidv7 } from "../../src/lib/ids";
import { testServices } from "./helpers/db";

function newUser(email: string) {
	return {
		id: uuidv7(),
		email,
		name: "Test User",
		passwordHash: "pbkdf2-sha256$1$x$y",
	};
}

describe("database client", () => {
	it("counts each query and each batch as one round trip", async () => {
		const { db, meter } = testServices();
		const user = newUser(`meter-${crypto.randomUUID()}@example.com`);
		await db.insert(users).values(user);
		await db.batch([
			db.select().from(users).where(eq(users.id, user.id)),
			db.select().from(users).limit(1),
		]);
		expect(meter.roundTrips).toBe(2);
		expect(meter.serverTiming()).toMatch(/^db;desc="2";dur=\d+(\.\d)?$/);
	});

	it("keeps the SQLSTATE and constraint of a unique violation reachable", async () => {
		const { db } = testServices();
		const email = `dupe-${crypto.randomUUID()}@example.com`;
		await db.insert(users).values(newUser(email));
		const err = await db
			.insert(users)
			.values(newUser(email.toUpperCase()))
			.then(() => undefined)
			.catch((e: unknown) => e);
		expect(pgError(err)).toMatchObject({
			code: PG.UNIQUE_VIOLATION,
			constraint: "users_email_lower_key",
		});
	});

	it("rolls back a whole batch when one statement fails", async () => {
		const { db } = testServices();
		const first = newUser(`batch-${crypto.randomUUID()}@example.com`);
		const clash = newUser(first.email);
		const err = await db
			.batch([db.insert(users).values(first), db.insert(users).values(clash)])
			.then(() => undefined)
			.catch((e: unknown) => e);
		expect(pgError(err)?.code).toBe(PG.UNIQUE_VIOLATION);
		expect(await db.select().from(users).where(eq(users.id, first.id))).toEqual(
			[],
		);
	});
});

describe("batch(db, named statements)", () => {
	it("runs every statement in one round trip and returns each result under its name", async () => {
		const { db, meter } = testServices();
		const a = newUser(`named-a-${crypto.randomUUID()}@example.com`);
		const b = newUser(`named-b-${crypto.randomUUID()}@example.com`);
		const c = newUser(`named-c-${crypto.randomUUID()}@example.com`);
		const results = await batch(db, {
			inserted: db.insert(users).values(a).returning({ id: users.id }),
			skipped: undefined,
			group: [b, c].map((user) =>
				db.insert(users).values(user).returning({ email: users.email }),
			),
			// Later statements see earlier ones: the batch is one transaction, in order.
			count: db.execute<{ n: number }>(
				sql`select count(*)::int as n from ${users} where id in (${a.id}::uuid, ${b.id}::uuid, ${c.id}::uuid)`,
			),
		});
		expect(meter.roundTrips).toBe(1);
		expect(results.inserted).toEqual([{ id: a.id }]);
		expect(results.skipped).toBeUndefined();
		expect(results.group).toEqual([[{ email: b.email }], [{ email: c.email }]]);
		expect(results.count.rows).toEqual([{ n: 3 }]);
	});

	it("rolls back every named statement when one fails", async () => {
		const { db } = testServices();
		const first = newUser(`named-d-${crypto.randomUUID()}@example.com`);
		const err = await batch(db, {
			first: db.insert(users).values(first),
			clash: db.insert(users).values({ ...newUser(first.email) }),
		})
			.then(() => undefined)
			.catch((e: unknown) => e);
		expect(pgError(err)?.code).toBe(PG.UNIQUE_VIOLATION);
		expect(await db.select().from(users).where(eq(users.id, first.id))).toEqual(
			[],
		);
	});
});
