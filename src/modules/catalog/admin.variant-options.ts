import { type SQL, sql } from "drizzle-orm";
import { productOptions, products, variants } from "../../db/schema";
import { validationFailed } from "../../lib/errors";

export interface ProductOption {
	name: string;
	values: string[];
}

/**
 * Checks a variant's options against its product's option names (exactly one value per
 * option, names matched case-insensitively and stored with the product's spelling) and
 * returns them canonicalised, so the (product, options) unique index sees equal combinations.
 */
export function canonicalOptions(
	productOptions: readonly ProductOption[],
	given: Record<string, string> | undefined,
	path: string,
): Record<string, string> {
	const entries = Object.entries(given ?? {});
	const byLower = new Map(productOptions.map((o) => [o.name.toLowerCase(), o]));
	const out: Record<string, string> = {};
	for (const [name, value] of entries) {
		const option = byLower.get(name.toLowerCase());
		if (!option)
			throw validationFailed(`Unknown option "${name}"`, {
				path,
				message: `"${name}" is not an option of the product`,
				code: "custom",
			});
		out[option.name] = value;
	}
	if (Object.keys(out).length !== productOptions.length)
		throw validationFailed(
			"A variant needs exactly one value for each product option",
			{
				path,
				message: `expected values for: ${productOptions.map((o) => o.name).join(", ") || "(no options)"}`,
				code: "custom",
			},
		);
	return out;
}

/** Values that variants use but the option does not list yet, appended in first-seen order. */
export function withNewValues(
	productOptions: readonly ProductOption[],
	variantOptions: readonly Record<string, string>[],
): ProductOption[] {
	return productOptions.map((o) => {
		const values = [...o.values];
		for (const v of variantOptions) {
			const value = v[o.name];
			if (value !== undefined && !values.includes(value)) values.push(value);
		}
		return { name: o.name, values };
	});
}

/** Appends any new values to an existing product's options (no-op when already listed). */
export function appendOptionValuesSql(
	productId: string,
	options: Record<string, string>,
): SQL[] {
	return Object.entries(options).map(
		([
			name,
			value,
		]) => sql`update ${productOptions} set values = array_append(values, ${value}::text)
			where product_id = ${productId}::uuid and name = ${name} and not (${value}::text = any(values))`,
	);
}

/**
 * Recomputes the product's denormalised price range from its active variants; runs in the
 * same batch as every variant write. `excludeVariantId` is a variant being deleted by a later
 * statement of that batch.
 *
 * Two statements: the product row is locked first, so the recompute (a later statement, hence a
 * fresh read-committed snapshot) runs only after any concurrent variant write of the same product
 * has committed and sees it. In one statement the second writer would wait for the row, then
 * write a range computed from its stale snapshot (measured: 9 of 20 concurrent trials).
 */
export function refreshPriceRangeSql(
	productId: SQL,
	excludeVariantId?: string,
): [SQL, SQL] {
	const exclude = excludeVariantId
		? sql`and v.id <> ${excludeVariantId}::uuid`
		: sql``;
	return [
		sql`select 1 from ${products} where id = ${productId} for no key update`,
		sql`update ${products} p set price_min = r.lo, price_max = r.hi, updated_at = now()
		from (select min(v.price) as lo, max(v.price) as hi from ${variants} v
			where v.product_id = ${productId} and v.status = 'active' ${exclude}) r
		where p.id = ${productId}`,
	];
}
