import { describe, expect, it } from "vitest";
import { adminGet, newAdmin } from "./helpers/admin";
import { freshProduct } from "./helpers/cart";
import { admin as asAdmin, patch } from "./helpers/catalog";
import { dbRoundTrips, expectError } from "./helpers/http";

interface Row {
	id: string;
	status: string;
	variantCount: number;
	onHand: number;
	available: number;
	lowStock: boolean;
	category: { slug: string } | null;
}

describe("GET /v1/admin/products", () => {
	it("lists every status with variant counts and stock, filtered, in keyset pages of one round trip", async () => {
		const admin = await newAdmin();
		const low = await freshProduct([
			{ price: 1000, onHand: 2 },
			{ price: 1200, onHand: 50 },
		]);
		const plenty = await freshProduct([{ price: 1000, onHand: 40 }]);
		expect(
			(
				await asAdmin(
					`/v1/admin/products/${plenty.id}`,
					patch({ status: "archived" }),
				)
			).status,
		).toBe(200);
		const bySku = async (sku: string, extra = "") => {
			const res = await adminGet(
				admin,
				`/v1/admin/products?q=${encodeURIComponent(sku)}${extra}`,
			);
			expect(res.status).toBe(200);
			expect(dbRoundTrips(res)).toBe(1);
			return ((await res.json()) as { data: Row[] }).data;
		};
		const lowSku = low.variants[0]?.sku ?? "";
		const plentySku = plenty.variants[0]?.sku ?? "";
		expect(await bySku(lowSku)).toEqual([
			expect.objectContaining({
				id: low.id,
				variantCount: 2,
				onHand: 52,
				available: 52,
				lowStock: true,
			}),
		]);
		expect(await bySku(plentySku)).toEqual([
			expect.objectContaining({
				id: plenty.id,
				status: "archived",
				lowStock: false,
			}),
		]);
		expect(await bySku(plentySku, "&status=active")).toEqual([]);
		expect(await bySku(lowSku, "&lowStock=false")).toEqual([]);
		expect(await bySku(lowSku, "&lowStock=true")).toHaveLength(1);
		const category = (await bySku(lowSku))[0]?.category?.slug;
		expect(await bySku(lowSku, `&category=${category}`)).toHaveLength(1);

		// Three products named alike, walked in pages of two: newest first, each once, to the end.
		const tag = crypto.randomUUID().slice(0, 8);
		const made: string[] = [];
		for (let i = 0; i < 3; i++)
			made.unshift((await freshProduct(undefined, { name: `Walk ${tag}` })).id);
		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const res = await adminGet(
				admin,
				`/v1/admin/products?q=${tag}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
			);
			expect(dbRoundTrips(res)).toBe(1);
			const page = (await res.json()) as {
				data: Row[];
				nextCursor: string | null;
			};
			seen.push(...page.data.map((p) => p.id));
			cursor = page.nextCursor;
			pages++;
		} while (cursor && pages < 5);
		expect({ seen, pages }).toEqual({ seen: made, pages: 2 });

		for (const query of ["status=deleted", "lowStock=yes", "limit=0", "x=1"])
			await expectError(
				await adminGet(admin, `/v1/admin/products?${query}`),
				400,
				"VALIDATION_FAILED",
			);
		await expectError(
			await adminGet(admin, "/v1/admin/products?cursor=abc"),
			400,
			"INVALID_CURSOR",
		);
	});
});
