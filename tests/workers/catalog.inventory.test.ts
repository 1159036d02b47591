import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inventoryLedger, variants } from "../../src/db/schema";
import { PG, pgError } from "../../src/lib/errors";
import { encodeKeyset } from "../../src/lib/keyset-cursor";
import {
	admin,
	createCategory,
	createProduct,
	post,
	unique,
} from "./helpers/catalog";
import { testDb as db } from "./helpers/db";
import { dbRoundTrips, expectError } from "./helpers/http";

async function variantWithStock(onHand: number, reserved = 0) {
	const cat = await createCategory();
	const p = await createProduct(cat.id, { variants: [{ price: 100, onHand }] });
	const id = p.variants[0]?.id as string;
	if (reserved > 0)
		await db().update(variants).set({ reserved }).where(eq(variants.id, id));
	return id;
}

const adjust = (id: string, body: unknown) =>
	admin(`/v1/admin/variants/${id}/inventory`, post(body));

describe("POST /v1/admin/variants/:id/inventory", () => {
	it("applies a delta, writes a ledger row with actor and reason, in one round trip", async () => {
		const id = await variantWithStock(10);
		const res = await adjust(id, { delta: -4, reason: "damaged in storage" });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const body = (await res.json()) as { ledgerId: string };
		expect(body).toMatchObject({
			onHand: 6,
			reserved: 0,
			available: 6,
			delta: -4,
		});
		const ledger = await db()
			.select()
			.from(inventoryLedger)
			.where(eq(inventoryLedger.variantId, id))
			.orderBy(inventoryLedger.seq);
		expect(ledger.map((l) => [l.delta, l.onHandAfter, l.reason])).toEqual([
			[10, 10, "initial stock"],
			[-4, 6, "damaged in storage"],
		]);
		expect(ledger[1]?.id).toBe(body.ledgerId);
		expect(ledger[1]?.actorId).toMatch(/^[0-9a-f-]{36}$/);
	});

	it("sets an absolute count and records the difference", async () => {
		const id = await variantWithStock(10);
		const res = await adjust(id, { set: 25, reason: "stock take" });
		expect(await res.json()).toMatchObject({ onHand: 25, delta: 15 });
		const same = await adjust(id, { set: 25, reason: "recount" });
		expect(await same.json()).toMatchObject({
			onHand: 25,
			delta: 0,
			ledgerId: null,
		});
	});

	it("answers 409 INSUFFICIENT_STOCK below zero or below reserved, changing nothing", async () => {
		const id = await variantWithStock(5, 3);
		const belowZero = await adjust(id, { delta: -6, reason: "x" });
		expect(
			(await expectError(belowZero, 409, "INSUFFICIENT_STOCK")).details,
		).toEqual({
			onHand: 5,
			reserved: 3,
			requested: -6,
		});
		await expectError(
			await adjust(id, { delta: -3, reason: "x" }),
			409,
			"INSUFFICIENT_STOCK",
		);
		await expectError(
			await adjust(id, { set: 2, reason: "x" }),
			409,
			"INSUFFICIENT_STOCK",
		);
		const ok = await adjust(id, { set: 3, reason: "x" });
		expect(await ok.json()).toMatchObject({
			onHand: 3,
			reserved: 3,
			available: 0,
		});
		const ledger = await db()
			.select()
			.from(inventoryLedger)
			.where(eq(inventoryLedger.variantId, id));
		expect(ledger).toHaveLength(2);
	});

	it("answers 400 for a bad body and 404 for an unknown variant", async () => {
		const id = await variantWithStock(1);
		for (const body of [
			{ delta: 1 },
			{ delta: 0, reason: "x" },
			{ delta: 1.5, reason: "x" },
			{ delta: 1, set: 1, reason: "x" },
			{ set: -1, reason: "x" },
			{ reason: "x" },
		])
			await expectError(await adjust(id, body), 400, "VALIDATION_FAILED");
		await expectError(
			await adjust("00000000-0000-7000-8000-000000000000", {
				delta: 1,
				reason: "x",
			}),
			404,
			"NOT_FOUND",
		);
	});

	it("serialises concurrent decrements: stock never goes negative", async () => {
		const id = await variantWithStock(5);
		const results = await Promise.all(
			Array.from({ length: 8 }, () =>
				adjust(id, { delta: -1, reason: "race" }),
			),
		);
		const statuses = results.map((r) => r.status).sort();
		expect(statuses.filter((s) => s === 200)).toHaveLength(5);
		expect(statuses.filter((s) => s === 409)).toHaveLength(3);
		const [row] = await db().select().from(variants).where(eq(variants.id, id));
		expect(row?.onHand).toBe(0);
	});
});

describe("inventory ledger order (seq)", () => {
	/** Replays a variant's ledger in `seq` order: each row's on_hand_after follows from the last. */
	async function replayBreaks(id: string, order: "seq" | "created_at") {
		const rows = await db()
			.select()
			.from(inventoryLedger)
			.where(eq(inventoryLedger.variantId, id))
			.orderBy(
				...(order === "seq"
					? [inventoryLedger.seq]
					: [inventoryLedger.createdAt, inventoryLedger.id]),
			);
		let onHand = 0;
		let breaks = 0;
		for (const row of rows) {
			if (onHand + row.delta !== row.onHandAfter) breaks++;
			onHand = row.onHandAfter;
		}
		return { rows: rows.length, breaks };
	}

	it("replays in seq order when a transaction that started earlier writes its row later", async () => {
		const id = await variantWithStock(10);
		// A writer whose transaction starts first but reaches the variant last (as a checkout batch
		// does when other statements come before its stock update): its created_at is the earliest.
		const tx = db();
		const late = tx.batch([
			tx.execute(sql`select pg_sleep(0.4)`),
			tx.execute(sql`with moved as (
				update variants set on_hand = on_hand + 1 where id = ${id} returning on_hand)
				insert into inventory_ledger (id, variant_id, delta, on_hand_after, reason)
				select gen_random_uuid(), ${id}, 1, on_hand, 'late writer' from moved`),
		]);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(
			(await adjust(id, { delta: -4, reason: "early writer" })).status,
		).toBe(200);
		await late;
		expect(await replayBreaks(id, "seq")).toEqual({ rows: 3, breaks: 0 });
		// The old order (created_at, id) puts the late writer before the adjustment it followed.
		expect((await replayBreaks(id, "created_at")).breaks).toBeGreaterThan(0);
	});

	it("replays in seq order after many concurrent adjustments through the API", async () => {
		const id = await variantWithStock(100);
		const results = await Promise.all(
			Array.from({ length: 24 }, (_, i) =>
				adjust(id, { delta: i % 3 === 0 ? 3 : -2, reason: "concurrent" }),
			),
		);
		expect(results.every((r) => r.status === 200)).toBe(true);
		expect(await replayBreaks(id, "seq")).toEqual({ rows: 25, breaks: 0 });
	});
});

describe("stock CHECK constraints (application bypassed)", () => {
	it("reject on_hand below 0 and reserved above on_hand or below 0", async () => {
		const id = await variantWithStock(2, 1);
		for (const set of [
			{ onHand: -1, reserved: 0 },
			{ onHand: 2, reserved: 3 },
			{ onHand: 2, reserved: -1 },
			{ onHand: 0, reserved: 1 },
		]) {
			const err = await db()
				.update(variants)
				.set(set)
				.where(eq(variants.id, id))
				.then(() => undefined)
				.catch((e: unknown) => e);
			expect(pgError(err)?.code, JSON.stringify(set)).toBe(PG.CHECK_VIOLATION);
		}
		const raw = await db()
			.execute(
				sql`update variants set on_hand = on_hand - 100 where id = ${id}`,
			)
			.catch((e: unknown) => e);
		expect(pgError(raw)?.constraint).toBe("variants_on_hand_non_negative");
	});

	it("reject negative prices", async () => {
		const id = await variantWithStock(1);
		const err = await db()
			.update(variants)
			.set({ price: -1 })
			.where(eq(variants.id, id))
			.catch((e: unknown) => e);
		expect(pgError(err)?.constraint).toBe("variants_price_non_negative");
	});
});

describe("GET /v1/admin/inventory/low-stock", () => {
	it("lists active variants at or below the threshold, lowest first", async () => {
		const low = await variantWithStock(1);
		const out = await variantWithStock(3, 3);
		const plenty = await variantWithStock(500);
		const res = await admin(
			"/v1/admin/inventory/low-stock?threshold=2&limit=500",
		);
		expect(res.status).toBe(200);
		const { data } = (await res.json()) as {
			data: { id: string; available: number }[];
		};
		const ids = data.map((v) => v.id);
		expect(ids).toContain(low);
		expect(ids).toContain(out);
		expect(ids).not.toContain(plenty);
		expect(data.every((v) => v.available <= 2)).toBe(true);
		await expectError(
			await admin("/v1/admin/inventory/low-stock?threshold=-1"),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("pages in keysets {data, nextCursor} by available then SKU, one round trip each", async () => {
		const cat = await createCategory();
		const tag = unique();
		const sizes = ["a", "b", "c", "d", "e"];
		const p = await createProduct(cat.id, {
			options: [{ name: "Size", values: sizes }],
			variants: sizes.map((size, i) => ({
				sku: `LOW-${tag}-${i}`,
				price: 100,
				onHand: 0,
				options: { Size: size },
			})),
		});
		const ours = new Map(p.variants.map((v) => [v.id, v.sku]));
		// Other files' variants share the table; start just before our SKUs (available 0) so
		// the pages under test are ours. The cursor is opaque to clients, not to this test.
		let cursor: string | null = encodeKeyset({ a: 0, sku: `LOW-${tag}-` });
		const seen: string[] = [];
		for (let page = 0; page < 3; page++) {
			const res = await admin(
				`/v1/admin/inventory/low-stock?threshold=0&limit=2&cursor=${cursor}`,
			);
			expect(res.status).toBe(200);
			expect(dbRoundTrips(res)).toBe(1);
			const body = (await res.json()) as {
				data: { id: string; sku: string; available: number }[];
				nextCursor: string | null;
			};
			expect(body.data.length).toBeLessThanOrEqual(2);
			expect(body.data.every((v) => v.available === 0)).toBe(true);
			seen.push(...body.data.filter((v) => ours.has(v.id)).map((v) => v.sku));
			cursor = body.nextCursor;
			if (page < 2) expect(cursor).toEqual(expect.any(String));
			if (!cursor) break;
		}
		expect(seen).toEqual(sizes.map((_, i) => `LOW-${tag}-${i}`));

		const first = (await (
			await admin("/v1/admin/inventory/low-stock?threshold=3&limit=50")
		).json()) as { data: { available: number; sku: string }[] };
		const availables = first.data.map((v) => v.available);
		expect(availables).toEqual([...availables].sort((a, b) => a - b));

		for (const bad of ["nope", encodeKeyset({ a: "0", sku: 1 })])
			await expectError(
				await admin(`/v1/admin/inventory/low-stock?cursor=${bad}`),
				400,
				"INVALID_CURSOR",
			);
	});
});
