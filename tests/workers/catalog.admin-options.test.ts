import { env } from "cloudflare:workers";
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { adminProductSchema } from "../../src/modules/catalog/admin.schemas";
import { holdingLocks } from "./helpers/admin";
import {
	admin,
	createCategory,
	createProduct,
	type Product,
	patch,
	post,
	unique,
} from "./helpers/catalog";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";
import { forward, interceptOrigin } from "./helpers/network";

const NEON_ORIGIN = new URL(
	(env as unknown as { NEON_LOCAL_FETCH_ENDPOINT: string })
		.NEON_LOCAL_FETCH_ENDPOINT,
).origin;

/** A product with Color {Red, Blue} × Size {S, M, L}; variants Red/S, Blue/S, Red/M (L unused). */
async function tee(): Promise<Product> {
	const category = await createCategory();
	return createProduct(category.id, {
		options: [
			{ name: "Color", values: ["Red", "Blue"] },
			{ name: "Size", values: ["S", "M", "L"] },
		],
		variants: [
			{ price: 1000, onHand: 3, options: { Color: "Red", Size: "S" } },
			{ price: 1000, onHand: 3, options: { Color: "Blue", Size: "S" } },
			{ price: 1100, onHand: 3, options: { Color: "Red", Size: "M" } },
		],
	});
}

const optionsPath = (p: Product, name: string) =>
	`/v1/admin/products/${p.id}/options/${encodeURIComponent(name)}`;

const put = (body: unknown) => json(body, { method: "PUT" });

async function stored(p: Product) {
	const res = await admin(`/v1/admin/products/${p.id}`);
	return (await res.json()) as Product;
}

async function publicPage(p: Product) {
	const res = await call(`/v1/products/${p.slug}`);
	return (await res.json()) as Product;
}

describe("PATCH /v1/admin/products/{id}/options/{name}", () => {
	it("renames the option on the product and in every variant, in one round trip; shoppers see it", async () => {
		const p = await tee();
		await publicPage(p);
		const res = await admin(optionsPath(p, "color"), patch({ name: "Colour" }));
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const body = (await res.json()) as Product;
		// The answer is exactly the declared AdminProduct schema (nothing missing, nothing extra).
		expect(adminProductSchema.parse(body)).toEqual(body);
		expect(body.options.map((o) => o.name)).toEqual(["Colour", "Size"]);
		expect(body.variants.map((v) => v.options)).toEqual(
			expect.arrayContaining([
				{ Colour: "Red", Size: "S" },
				{ Colour: "Blue", Size: "S" },
				{ Colour: "Red", Size: "M" },
			]),
		);
		const shown = await publicPage(p);
		expect(shown.options.map((o) => o.name)).toEqual(["Colour", "Size"]);
		// A variant added afterwards uses the new name.
		const added = await admin(
			`/v1/admin/products/${p.id}/variants`,
			post({
				sku: `SKU-${unique()}`,
				price: 900,
				options: { colour: "Blue", size: "M" },
			}),
		);
		expect(added.status).toBe(201);
	});

	it("refuses a name another option has (any case), unknown options and bad names", async () => {
		const p = await tee();
		const taken = await expectError(
			await admin(optionsPath(p, "Color"), patch({ name: "size" })),
			409,
			"CONFLICT",
		);
		expect(taken.details).toEqual({ field: "name", value: "size" });
		await expectError(
			await admin(optionsPath(p, "Material"), patch({ name: "Fabric" })),
			404,
			"NOT_FOUND",
		);
		for (const body of [{}, { name: "1abc" }, { name: "x", extra: 1 }])
			await expectError(
				await admin(optionsPath(p, "Color"), patch(body)),
				400,
				"VALIDATION_FAILED",
			);
		await expectError(
			await admin(
				`/v1/admin/products/${crypto.randomUUID()}/options/Color`,
				patch({ name: "Colour" }),
			),
			404,
			"NOT_FOUND",
		);
		expect((await stored(p)).options.map((o) => o.name)).toEqual([
			"Color",
			"Size",
		]);
	});
});

describe("POST /v1/admin/products/{id}/options/{name}/values/rename", () => {
	it("renames a value in place and in the variants using it", async () => {
		const p = await tee();
		const res = await admin(
			`${optionsPath(p, "Color")}/values/rename`,
			post({ from: "Red", to: "Crimson" }),
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const body = (await res.json()) as Product;
		expect(body.options[0]).toEqual({
			name: "Color",
			values: ["Crimson", "Blue"],
		});
		expect(body.variants.map((v) => v.options.Color ?? "").sort()).toEqual([
			"Blue",
			"Crimson",
			"Crimson",
		]);
		const filtered = await call(
			`/v1/products?color=crimson&q=${encodeURIComponent(p.name)}`,
		);
		expect(((await filtered.json()) as { data: unknown[] }).data).toHaveLength(
			1,
		);
	});

	it("refuses a value the option already has (409), an unknown value (404) and bad input (400)", async () => {
		const p = await tee();
		const path = `${optionsPath(p, "Color")}/values/rename`;
		const taken = await expectError(
			await admin(path, post({ from: "Red", to: "Blue" })),
			409,
			"CONFLICT",
		);
		expect(taken.details).toEqual({ field: "to", value: "Blue" });
		await expectError(
			await admin(path, post({ from: "Green", to: "Lime" })),
			404,
			"NOT_FOUND",
		);
		for (const body of [
			{ from: "Red" },
			{ from: "Red", to: " " },
			{ from: "Red", to: "a\u0000" },
		])
			await expectError(
				await admin(path, post(body)),
				400,
				"VALIDATION_FAILED",
			);
		expect((await stored(p)).options[0]?.values).toEqual(["Red", "Blue"]);
	});
});

describe("PUT /v1/admin/products/{id}/options/{name}/values", () => {
	it("reorders the values; shoppers see the new order", async () => {
		const p = await tee();
		const res = await admin(
			`${optionsPath(p, "Size")}/values`,
			put({ values: ["L", "M", "S"] }),
		);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(((await res.json()) as Product).options[1]?.values).toEqual([
			"L",
			"M",
			"S",
		]);
		expect((await publicPage(p)).options[1]?.values).toEqual(["L", "M", "S"]);
	});

	it("refuses anything but a reordering of exactly the current values", async () => {
		const p = await tee();
		const path = `${optionsPath(p, "Size")}/values`;
		for (const values of [
			["S", "M"],
			["S", "M", "L", "XL"],
			["S", "M", "XL"],
			["S", "M", "M"],
			[],
		])
			await expectError(
				await admin(path, put({ values })),
				400,
				"VALIDATION_FAILED",
			);
		expect((await stored(p)).options[1]?.values).toEqual(["S", "M", "L"]);
	});
});

describe("DELETE /v1/admin/products/{id}/options/{name}", () => {
	it("is 409 while variants differ by the option, naming the values in use", async () => {
		const p = await tee();
		const err = await expectError(
			await admin(optionsPath(p, "Color"), { method: "DELETE" }),
			409,
			"CONFLICT",
		);
		expect(err.details).toEqual({
			field: "options",
			value: ["Blue", "Red"],
			reason: "in_use",
		});
		expect((await stored(p)).options).toHaveLength(2);
	});

	it("removes an option every variant shares one value of, from the product and the variants", async () => {
		const category = await createCategory();
		const p = await createProduct(category.id, {
			options: [
				{ name: "Material", values: ["Cotton", "Wool"] },
				{ name: "Size", values: ["S", "M"] },
			],
			variants: [
				{ price: 1000, onHand: 1, options: { Material: "Cotton", Size: "S" } },
				{ price: 1000, onHand: 1, options: { Material: "Cotton", Size: "M" } },
			],
		});
		const res = await admin(optionsPath(p, "material"), { method: "DELETE" });
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const body = (await res.json()) as Product;
		expect(body.options).toEqual([{ name: "Size", values: ["S", "M"] }]);
		expect(body.variants.map((v) => v.options)).toEqual(
			expect.arrayContaining([{ Size: "S" }, { Size: "M" }]),
		);
		await expectError(
			await admin(optionsPath(p, "material"), { method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
	});
});

describe("variant options always match the product's options (the database decides)", () => {
	it("refuses, at commit, variant options naming no option or an unlisted value", async () => {
		const p = await tee();
		const id = p.variants[0]?.id ?? "";
		for (const options of [
			{ Colour: "Red", Size: "S" },
			{ Color: "Green", Size: "S" },
			{ Color: "Red" },
		])
			await expect(
				testDb().execute(
					sql`update variants set options = ${JSON.stringify(options)}::jsonb where id = ${id}::uuid`,
				),
			).rejects.toMatchObject({
				cause: {
					code: "23514",
					constraint: "variants_options_match_product",
				},
			});
		expect((await stored(p)).variants[0]?.options).toEqual({
			Color: "Red",
			Size: "S",
		});
	});

	it("an option rename racing a variant written from the old option names: one consistent outcome", async () => {
		const p = await tee();
		const [rename, add] = await holdingLocks(
			sql`select id from products where id = ${p.id}::uuid for update`,
			500,
			async () => {
				const renamed = admin(
					optionsPath(p, "Color"),
					patch({ name: "Colour" }),
				);
				// The add reads the options now (still "Color"), then waits for the lock too.
				const added = admin(
					`/v1/admin/products/${p.id}/variants`,
					post({
						sku: `SKU-${unique()}`,
						price: 900,
						options: { Color: "Blue", Size: "M" },
					}),
				);
				return Promise.all([renamed, added]);
			},
		);
		expect(rename.status).toBe(200);
		expect([201, 409]).toContain(add.status);
		const after = await stored(p);
		const names = after.options.map((o) => o.name).sort();
		expect(names).toEqual(["Colour", "Size"]);
		for (const v of after.variants)
			expect(Object.keys(v.options).sort()).toEqual(names);
		expect(after.variants).toHaveLength(add.status === 201 ? 4 : 3);
	});
	it("a rename committed between a variant's read of the options and its write: 409 options_changed, nothing written", async () => {
		const p = await tee();
		// The add's write batch (its variant insert) is held until the rename has committed; its
		// read of the options (still "Color") has gone through by then. Only the database can refuse
		// it. Flags polled on timers, not promises resolved across requests (workerd would hang).
		const until = async (done: () => boolean) => {
			while (!done()) await new Promise((resolve) => setTimeout(resolve, 10));
		};
		let writeArrived = false;
		let renamed = false;
		const database = interceptOrigin(NEON_ORIGIN, async (call) => {
			if (call.body.includes('insert into \\"variants\\"')) {
				writeArrived = true;
				await until(() => renamed);
			}
			return forward(call);
		});
		try {
			const added = admin(
				`/v1/admin/products/${p.id}/variants`,
				post({
					sku: `SKU-${unique()}`,
					price: 900,
					options: { Color: "Blue", Size: "M" },
				}),
			);
			await until(() => writeArrived);
			const rename = await admin(
				optionsPath(p, "Color"),
				patch({ name: "Colour" }),
			);
			expect(rename.status).toBe(200);
			renamed = true;
			const error = await expectError(await added, 409, "CONFLICT");
			expect(error.details).toMatchObject({ reason: "options_changed" });
		} finally {
			renamed = true;
			database.restore();
		}
		const after = await stored(p);
		expect(after.options.map((o) => o.name)).toEqual(["Colour", "Size"]);
		expect(after.variants).toHaveLength(3);
		for (const v of after.variants)
			expect(Object.keys(v.options).sort()).toEqual(["Colour", "Size"]);
	});
});
