import { afterAll, describe, expect, it } from "vitest";
import { admin, patch, post, unique, untilCached } from "./helpers/catalog";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import { protectedRouteCases } from "./helpers/security";

interface AdminMethod {
	id: string;
	code: string;
	name: string;
	price: number;
	currency: string;
	freeOver: number | null;
	active: boolean;
	position: number;
	createdAt: string;
	updatedAt: string;
}

const BASE = "/v1/admin/shipping-methods";
/** Far after the seeded methods, so test rows never reorder what other files see. */
const LATE = 1_000_000;

/** Every method a test creates is deleted afterwards (the table is shared by every file). */
const created = new Set<string>();
afterAll(async () => {
	for (const code of created)
		await admin(`${BASE}/${code}`, { method: "DELETE" });
});

async function createMethod(
	overrides: Partial<Omit<AdminMethod, "id" | "createdAt" | "updatedAt">> = {},
): Promise<AdminMethod> {
	const code = overrides.code ?? `test-${unique()}`;
	created.add(code);
	const res = await admin(
		BASE,
		post({
			code,
			name: `Courier ${code}`,
			price: 700,
			currency: "EUR",
			active: false,
			position: LATE,
			...overrides,
		}),
	);
	if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
	return (await res.json()) as AdminMethod;
}

const publicList = async (query = `fresh=${unique()}`) => {
	const res = await call(`/v1/shipping-methods?${query}`);
	expect(res.status).toBe(200);
	return (await res.json()) as {
		data: { code: string; price: number; freeOver: number | null }[];
		nextCursor: null;
	};
};

describe("GET /v1/shipping-methods", () => {
	it("lists the seeded methods in position order, with public fields only", async () => {
		const { data, nextCursor } = await publicList();
		expect(nextCursor).toBeNull(); // complete: the one list shape, never a next page
		const seeded = data.filter((m) => ["standard", "express"].includes(m.code));
		expect(seeded).toEqual([
			{
				code: "standard",
				name: "Standard (3-5 business days)",
				price: 495,
				currency: "EUR",
				freeOver: 5000,
			},
			{
				code: "express",
				name: "Express (next business day)",
				price: 1295,
				currency: "EUR",
				freeOver: null,
			},
		]);
	});

	it("shows active methods only, ordered by position then code", async () => {
		const later = await createMethod({ active: true, position: LATE + 2 });
		const earlier = await createMethod({ active: true, position: LATE + 1 });
		const hidden = await createMethod({ active: false, position: LATE });
		const codes = (await publicList()).data.map((m) => m.code);
		expect(codes).not.toContain(hidden.code);
		expect(codes.indexOf(earlier.code)).toBeGreaterThan(
			codes.indexOf("express"),
		);
		expect(codes.indexOf(later.code)).toBeGreaterThan(
			codes.indexOf(earlier.code),
		);
	});

	it("is edge-cached: one round trip on a miss, none on a hit, 304 for its ETag", async () => {
		const path = `/v1/shipping-methods?probe=${unique()}`;
		const miss = await call(path);
		expect(miss.status).toBe(200);
		expect(dbRoundTrips(miss)).toBe(1);
		expect(miss.headers.get("Cache-Control")).toBe(
			"public, max-age=0, s-maxage=60, stale-while-revalidate=30",
		);
		const hit = await untilCached(path);
		expect(dbRoundTrips(hit)).toBe(0);
		const notModified = await call(path, {
			headers: { "If-None-Match": hit.headers.get("ETag") ?? "" },
		});
		expect(notModified.status).toBe(304);
	});
});

describe("GET /v1/admin/shipping-methods", () => {
	it("lists every method, inactive ones included, with admin fields", async () => {
		const hidden = await createMethod({ active: false });
		const res = await admin(BASE);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const { data, nextCursor } = (await res.json()) as {
			data: AdminMethod[];
			nextCursor: null;
		};
		expect(nextCursor).toBeNull();
		expect(data.find((m) => m.code === hidden.code)).toEqual(hidden);
		expect(data.find((m) => m.code === "standard")).toMatchObject({
			active: true,
			position: 0,
		});
	});
});

describe("POST /v1/admin/shipping-methods", () => {
	it("creates a method (201) with defaults for what was not given", async () => {
		const code = `test-${unique()}`;
		created.add(code);
		const res = await admin(
			BASE,
			post({ code, name: "  Pigeon post ", price: 0, currency: "EUR" }),
		);
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		expect(await res.json()).toEqual({
			id: expect.stringMatching(/^[0-9a-f-]{36}$/),
			code,
			name: "Pigeon post",
			price: 0,
			currency: "EUR",
			freeOver: null,
			active: true,
			position: 0,
			createdAt: expect.stringMatching(/Z$/),
			updatedAt: expect.stringMatching(/Z$/),
		});
		await admin(`${BASE}/${code}`, patch({ active: false }));
	});

	it("answers 409 CONFLICT naming the code when it is taken", async () => {
		const existing = await createMethod();
		const res = await admin(
			BASE,
			post({ code: existing.code, name: "Again", price: 1, currency: "EUR" }),
		);
		const error = await expectError(res, 409, "CONFLICT");
		expect(error.details).toEqual({ field: "code", value: existing.code });
		const seeded = await admin(
			BASE,
			post({ code: "standard", name: "Dupe", price: 1, currency: "EUR" }),
		);
		await expectError(seeded, 409, "CONFLICT");
	});

	it("answers 400 for unknown fields, NUL bytes, negative or fractional prices, bad codes and currencies", async () => {
		const valid = {
			code: `test-${unique()}`,
			name: "Valid",
			price: 100,
			currency: "EUR",
		};
		const bad: Record<string, unknown>[] = [
			{ ...valid, id: crypto.randomUUID() },
			{ ...valid, createdAt: "2020-01-01T00:00:00Z" },
			{ ...valid, name: "Bad\u0000name" },
			{ ...valid, name: "   " },
			{ ...valid, name: "x".repeat(201) },
			{ ...valid, price: -1 },
			{ ...valid, price: 1.5 },
			{ ...valid, price: "100" },
			{ ...valid, price: 2 ** 31 },
			{ ...valid, freeOver: -1 },
			{ ...valid, position: -1 },
			{ ...valid, currency: "eur" },
			{ ...valid, currency: "EURO" },
			{ ...valid, code: "Has Spaces" },
			{ ...valid, code: "under_score" },
			{ ...valid, code: "trailing-" },
			{ ...valid, code: "x".repeat(65) },
			{ ...valid, code: "nul\u0000" },
			{ name: "No code", price: 1, currency: "EUR" },
			{ code: valid.code, name: "No price", currency: "EUR" },
		];
		for (const body of bad)
			await expectError(
				await admin(BASE, post(body)),
				400,
				"VALIDATION_FAILED",
			);
		// None of them was written.
		const list = (await (await admin(BASE)).json()) as { data: AdminMethod[] };
		expect(list.data.map((m) => m.code)).not.toContain(valid.code);
	});
});

describe("PATCH /v1/admin/shipping-methods/{code}", () => {
	it("updates the given fields only and bumps updatedAt", async () => {
		const method = await createMethod({ freeOver: 9000 });
		const res = await admin(
			`${BASE}/${method.code}`,
			patch({ price: 950, freeOver: null, name: "Renamed" }),
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const updated = (await res.json()) as AdminMethod;
		expect(updated).toEqual({
			...method,
			price: 950,
			freeOver: null,
			name: "Renamed",
			updatedAt: expect.any(String),
		});
		expect(Date.parse(updated.updatedAt)).toBeGreaterThanOrEqual(
			Date.parse(method.updatedAt),
		);
	});

	it("activates a method, which then shows publicly", async () => {
		const method = await createMethod({ active: false });
		const res = await admin(`${BASE}/${method.code}`, patch({ active: true }));
		expect(res.status).toBe(200);
		const codes = (await publicList()).data.map((m) => m.code);
		expect(codes).toContain(method.code);
	});

	it("answers 400 for the code, unknown fields, an empty body or bad values", async () => {
		const method = await createMethod();
		for (const body of [
			{},
			{ code: "other" },
			{ id: crypto.randomUUID() },
			{ price: -5 },
			{ freeOver: -1 },
			{ name: "a\u0000b" },
			{ currency: "usd" },
			{ active: "yes" },
		])
			await expectError(
				await admin(`${BASE}/${method.code}`, patch(body)),
				400,
				"VALIDATION_FAILED",
			);
		const list = (await (await admin(BASE)).json()) as { data: AdminMethod[] };
		expect(list.data.find((m) => m.code === method.code)).toEqual(method);
	});

	it("answers 404 for an unknown code and 400 for a malformed one", async () => {
		await expectError(
			await admin(`${BASE}/nope-${unique()}`, patch({ price: 1 })),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await admin(`${BASE}/Not_A_Code`, patch({ price: 1 })),
			400,
			"VALIDATION_FAILED",
		);
	});
});

describe("DELETE /v1/admin/shipping-methods/{code}", () => {
	it("deletes (204), then answers 404", async () => {
		const method = await createMethod();
		const res = await admin(`${BASE}/${method.code}`, { method: "DELETE" });
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		const again = await admin(`${BASE}/${method.code}`, { method: "DELETE" });
		await expectError(again, 404, "NOT_FOUND");
		const list = (await (await admin(BASE)).json()) as { data: AdminMethod[] };
		expect(list.data.map((m) => m.code)).not.toContain(method.code);
	});
});

describe("admin shipping routes: who may call them", () => {
	protectedRouteCases(
		[
			{ method: "GET", path: BASE },
			{
				method: "POST",
				path: BASE,
				body: { code: "never", name: "Never", price: 1, currency: "EUR" },
			},
			{ method: "PATCH", path: `${BASE}/standard`, body: { price: 1 } },
			{ method: "DELETE", path: `${BASE}/standard` },
		].map((route) => ({ ...route, role: "admin" as const })),
	);

	it("leaves the seeded methods untouched after the refused calls", async () => {
		const res = await admin(BASE);
		const { data } = (await res.json()) as { data: AdminMethod[] };
		expect(data.find((m) => m.code === "standard")).toMatchObject({
			price: 495,
			active: true,
		});
	});
});
