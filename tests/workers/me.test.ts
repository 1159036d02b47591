import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { holdingLocks } from "./helpers/admin";
import { bearer, register } from "./helpers/auth";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";
import { insertOrder } from "./helpers/order-rows";

const address = {
	name: "Ada Lovelace",
	line1: "1 Analytical Way",
	city: "London",
	postalCode: "N1 9GU",
	country: "gb",
};

describe("GET /v1/me", () => {
	it("returns the profile without secrets, in one round trip", async () => {
		const { accessToken, userId, email } = await register();
		const res = await call("/v1/me", { headers: bearer(accessToken) });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(await res.json()).toEqual({
			id: userId,
			email,
			name: "Test Customer",
			role: "customer",
			createdAt: expect.any(String),
			recentOrders: [],
		});
		expect(res.headers.get("Cache-Control")).toBe("no-store");
	});

	it("adds the last 5 orders, newest first, as history summaries, still in one round trip", async () => {
		const { accessToken, userId } = await register();
		const other = await register();
		await insertOrder({ userId: other.userId });
		const base = Date.UTC(2029, 0, 1);
		for (let i = 0; i < 7; i++)
			await insertOrder({
				userId,
				placedAt: new Date(base + i * 60_000),
				lines: [{ name: `Order ${i}` }],
			});
		const res = await call("/v1/me", { headers: bearer(accessToken) });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const me = (await res.json()) as {
			recentOrders: { items: { name: string }[] }[];
		};
		expect(me.recentOrders.map((o) => o.items[0]?.name)).toEqual([
			"Order 6",
			"Order 5",
			"Order 4",
			"Order 3",
			"Order 2",
		]);
		const history = (await (
			await call("/v1/orders?limit=5", { headers: bearer(accessToken) })
		).json()) as { data: unknown[] };
		expect(me.recentOrders).toEqual(history.data);
	});
});

describe("PATCH /v1/me", () => {
	it("updates the name (trimmed)", async () => {
		const { accessToken } = await register();
		const res = await call(
			"/v1/me",
			json(
				{ name: "  Grace Hopper " },
				{ method: "PATCH", headers: bearer(accessToken) },
			),
		);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ name: "Grace Hopper" });
	});

	it("answers 400 for an empty name, or for fields the user may not set", async () => {
		const { accessToken } = await register();
		const patch = (body: unknown) =>
			call(
				"/v1/me",
				json(body, { method: "PATCH", headers: bearer(accessToken) }),
			);
		await expectError(await patch({ name: "" }), 400, "VALIDATION_FAILED");
		await expectError(
			await patch({ name: "X", role: "admin" }),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await patch({ email: "new@example.com" }),
			400,
			"VALIDATION_FAILED",
		);
	});
});

describe("/v1/me/addresses", () => {
	const create = (token: string, body: unknown = address) =>
		call("/v1/me/addresses", json(body, { headers: bearer(token) }));

	it("creates (201, country upper-cased) and lists my addresses", async () => {
		const { accessToken } = await register();
		const res = await create(accessToken);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		const created = (await res.json()) as Record<string, unknown>;
		expect(created).toEqual({
			...address,
			country: "GB",
			id: expect.any(String),
			line2: null,
			region: null,
			phone: null,
			createdAt: expect.any(String),
			updatedAt: expect.any(String),
		});
		const list = await call("/v1/me/addresses", {
			headers: bearer(accessToken),
		});
		expect(await list.json()).toEqual({ data: [created], nextCursor: null });
	});

	it("lists only my own addresses", async () => {
		const me = await register();
		const other = await register();
		await create(other.accessToken);
		const list = await call("/v1/me/addresses", {
			headers: bearer(me.accessToken),
		});
		expect(await list.json()).toEqual({ data: [], nextCursor: null });
	});

	it("answers 400 for a bad country, a missing field or an extra field", async () => {
		const { accessToken } = await register();
		await expectError(
			await create(accessToken, { ...address, country: "GBR" }),
			400,
			"VALIDATION_FAILED",
		);
		const { city: _, ...noCity } = address;
		await expectError(
			await create(accessToken, noCity),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await create(accessToken, { ...address, userId: crypto.randomUUID() }),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("refuses a country that is not an assigned ISO 3166-1 alpha-2 code, on create and on update, storing nothing", async () => {
		const { accessToken } = await register();
		// "ß" upper-cases to "SS" (South Sudan) and "ı" to "I": checked before upper-casing.
		for (const country of ["ß", "ZZ", "XX", "UK", "ıT", "Ｄｅ", "D"]) {
			const error = await expectError(
				await create(accessToken, { ...address, country }),
				400,
				"VALIDATION_FAILED",
			);
			expect(JSON.stringify(error.details)).toContain("country");
		}
		const { id } = (await (await create(accessToken)).json()) as { id: string };
		await expectError(
			await call(
				`/v1/me/addresses/${id}`,
				json(
					{ country: "ß" },
					{ method: "PATCH", headers: bearer(accessToken) },
				),
			),
			400,
			"VALIDATION_FAILED",
		);
		const list = await call("/v1/me/addresses", {
			headers: bearer(accessToken),
		});
		expect(await list.json()).toEqual({
			data: [expect.objectContaining({ id, country: "GB" })],
			nextCursor: null,
		});
	});

	it("accepts every assigned code in either case, e.g. ss and South Sudan's SS", async () => {
		const { accessToken } = await register();
		for (const [sent, stored] of [
			["ss", "SS"],
			[" de ", "DE"],
			["AX", "AX"],
		]) {
			const res = await create(accessToken, { ...address, country: sent });
			expect(res.status).toBe(201);
			expect(await res.json()).toMatchObject({ country: stored });
		}
	});

	it("updates my address with PATCH and deletes it with DELETE", async () => {
		const { accessToken } = await register();
		const { id } = (await (await create(accessToken)).json()) as { id: string };
		const patched = await call(
			`/v1/me/addresses/${id}`,
			json(
				{ city: "Paris", line2: "Flat 2" },
				{ method: "PATCH", headers: bearer(accessToken) },
			),
		);
		expect(patched.status).toBe(200);
		expect(await patched.json()).toMatchObject({
			id,
			city: "Paris",
			line2: "Flat 2",
			name: address.name,
		});
		const deleted = await call(`/v1/me/addresses/${id}`, {
			method: "DELETE",
			headers: bearer(accessToken),
		});
		expect(deleted.status).toBe(204);
		const again = await call(`/v1/me/addresses/${id}`, {
			method: "DELETE",
			headers: bearer(accessToken),
		});
		await expectError(again, 404, "NOT_FOUND");
	});

	it("answers 404 for PATCH and DELETE of someone else's address, leaving it untouched", async () => {
		const owner = await register();
		const intruder = await register();
		const { id } = (await (await create(owner.accessToken)).json()) as {
			id: string;
		};
		const patch = await call(
			`/v1/me/addresses/${id}`,
			json(
				{ city: "Elsewhere" },
				{ method: "PATCH", headers: bearer(intruder.accessToken) },
			),
		);
		await expectError(patch, 404, "NOT_FOUND");
		const del = await call(`/v1/me/addresses/${id}`, {
			method: "DELETE",
			headers: bearer(intruder.accessToken),
		});
		await expectError(del, 404, "NOT_FOUND");
		const list = await call("/v1/me/addresses", {
			headers: bearer(owner.accessToken),
		});
		expect(await list.json()).toMatchObject({
			data: [{ id, city: address.city }],
		});
	});

	it("answers 400 for an empty PATCH or a malformed id", async () => {
		const { accessToken } = await register();
		const { id } = (await (await create(accessToken)).json()) as { id: string };
		await expectError(
			await call(
				`/v1/me/addresses/${id}`,
				json({}, { method: "PATCH", headers: bearer(accessToken) }),
			),
			400,
			"VALIDATION_FAILED",
		);
		await expectError(
			await call("/v1/me/addresses/not-a-uuid", {
				method: "DELETE",
				headers: bearer(accessToken),
			}),
			400,
			"VALIDATION_FAILED",
		);
	});
});

/** Stores `n` addresses for a user straight in the database (arranging, not the code under test). */
async function seedAddresses(userId: string, n: number) {
	await testDb().execute(sql`
		insert into addresses (id, user_id, name, line1, city, postal_code, country, created_at)
		select gen_random_uuid(), ${userId}::uuid, 'Seed ' || i, i || ' Seed Street', 'Leeds', 'LS1', 'GB',
			now() - (i || ' seconds')::interval
		from generate_series(1, ${n}) i`);
}

const addressCount = async (userId: string) => {
	const { rows } = await testDb().execute<{ n: number }>(
		sql`select count(*)::int as n from addresses where user_id = ${userId}::uuid`,
	);
	return rows[0]?.n;
};

describe("address caps and pages", () => {
	const create = (token: string) =>
		call("/v1/me/addresses", json(address, { headers: bearer(token) }));

	it("keeps at most 50 addresses: the 51st is 409 ADDRESS_LIMIT naming the cap, in one round trip", async () => {
		const user = await register();
		await seedAddresses(user.userId, 49);
		expect((await create(user.accessToken)).status).toBe(201);
		const res = await create(user.accessToken);
		expect(dbRoundTrips(res)).toBe(1);
		const error = await expectError(res, 409, "ADDRESS_LIMIT");
		expect(error.details).toEqual({ max: 50 });
		expect(await addressCount(user.userId)).toBe(50);
		// Deleting one makes room again.
		const page = (await (
			await call("/v1/me/addresses?limit=1", {
				headers: bearer(user.accessToken),
			})
		).json()) as { data: { id: string }[] };
		await call(`/v1/me/addresses/${page.data[0]?.id}`, {
			method: "DELETE",
			headers: bearer(user.accessToken),
		});
		expect((await create(user.accessToken)).status).toBe(201);
	});

	it("concurrent saves at 48 addresses never pass the cap: exactly two are stored", async () => {
		const user = await register();
		await seedAddresses(user.userId, 48);
		// Every save is held at the account row until the lock is released, so all five race.
		const results = await holdingLocks(
			sql`select id from users where id = ${user.userId}::uuid for update`,
			1000,
			() =>
				Promise.all(Array.from({ length: 5 }, () => create(user.accessToken))),
		);
		expect(results.map((r) => r.status).sort()).toEqual([
			201, 201, 409, 409, 409,
		]);
		expect(await addressCount(user.userId)).toBe(50);
	});

	it("pages the list newest first with {data, nextCursor}; every address once", async () => {
		const user = await register();
		await seedAddresses(user.userId, 45);
		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const res = await call(
				`/v1/me/addresses?limit=20${cursor ? `&cursor=${cursor}` : ""}`,
				{ headers: bearer(user.accessToken) },
			);
			expect(res.status).toBe(200);
			expect(dbRoundTrips(res)).toBe(1);
			const page = (await res.json()) as {
				data: { id: string }[];
				nextCursor: string | null;
			};
			seen.push(...page.data.map((a) => a.id));
			cursor = page.nextCursor;
			pages++;
		} while (cursor);
		expect(pages).toBe(3);
		expect(seen).toHaveLength(45);
		expect(new Set(seen).size).toBe(45);
		expect(seen).toEqual(seen.toSorted().reverse());
		// The default page is 20; a malformed cursor or limit is a 400.
		const first = (await (
			await call("/v1/me/addresses", { headers: bearer(user.accessToken) })
		).json()) as { data: unknown[] };
		expect(first.data).toHaveLength(20);
		await expectError(
			await call("/v1/me/addresses?cursor=not-a-cursor", {
				headers: bearer(user.accessToken),
			}),
			400,
			"INVALID_CURSOR",
		);
		await expectError(
			await call("/v1/me/addresses?limit=51", {
				headers: bearer(user.accessToken),
			}),
			400,
			"VALIDATION_FAILED",
		);
	});
});
