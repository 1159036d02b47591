import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { admin, createCategory, createProduct, patch } from "./helpers/catalog";
import { testDb } from "./helpers/db";

async function priceRange(productId: string) {
	const { rows } = await testDb().execute<{
		price_min: number;
		price_max: number;
	}>(
		sql`select price_min, price_max from products where id = ${productId}::uuid`,
	);
	return rows[0];
}

describe("products.price_min / price_max under concurrent variant writes", () => {
	it("is never left stale by concurrent price changes on two variants (20 trials)", async () => {
		const category = await createCategory();
		const stale: string[] = [];
		for (let trial = 0; trial < 20; trial++) {
			const product = await createProduct(category.id, {
				options: [{ name: "Size", values: ["S", "M"] }],
				variants: [
					{ price: 1000, options: { Size: "S" } },
					{ price: 1000, options: { Size: "M" } },
				],
			});
			const [a, b] = product.variants;
			const [ra, rb] = await Promise.all([
				admin(`/v1/admin/variants/${a?.id}`, patch({ price: 100 })),
				admin(`/v1/admin/variants/${b?.id}`, patch({ price: 5000 })),
			]);
			expect([ra.status, rb.status]).toEqual([200, 200]);
			const range = await priceRange(product.id);
			if (range?.price_min !== 100 || range?.price_max !== 5000)
				stale.push(`trial ${trial}: ${range?.price_min}–${range?.price_max}`);
		}
		expect(stale).toEqual([]);
	});
});
