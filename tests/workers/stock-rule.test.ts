import { describe, expect, it } from "vitest";
import { PASSWORD, register, uniqueIp } from "./helpers/auth";
import {
	addItem,
	archiveVariant,
	type CartJson,
	cartOf,
	freshProduct,
	newGuestCart,
	setQuantity,
	whoHeaders,
} from "./helpers/cart";
import {
	admin,
	createCategory,
	createProduct,
	listPage,
	patch,
} from "./helpers/catalog";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";

// The stock rule (src/modules/catalog/stock.queries.ts): a variant that is not active, or whose
// product is not active, is `unavailable` on every surface, whatever its stock.

/** A product of two in-stock variants, `a` soon to become inactive, `b` staying sellable. */
async function twoVariants() {
	const product = await freshProduct([
		{ price: 500, onHand: 10 },
		{ price: 700, onHand: 10 },
	]);
	const [a, b] = product.variants;
	return { product, a: a?.id ?? "", b: b?.id ?? "" };
}

const archiveProduct = async (id: string) =>
	expect(
		(await admin(`/v1/admin/products/${id}`, patch({ status: "archived" })))
			.status,
	).toBe(200);

describe("adding an inactive variant to a cart", () => {
	it("answers 409 UNAVAILABLE for an archived variant, a draft product and an archived product, in one round trip", async () => {
		const archivedVariant = await twoVariants();
		await archiveVariant(archivedVariant.a);
		const category = await createCategory();
		const draft = await createProduct(category.id, { status: "draft" });
		const archivedProduct = await freshProduct();
		await archiveProduct(archivedProduct.id);
		for (const variantId of [
			archivedVariant.a,
			draft.variants[0]?.id ?? "",
			archivedProduct.variants[0]?.id ?? "",
		]) {
			const res = await addItem(variantId, 1);
			expect(dbRoundTrips(res)).toBe(1);
			await expectError(res, 409, "UNAVAILABLE");
			// Nothing was written: no guest cart, so no token.
			expect(res.headers.getSetCookie()).toEqual([]);
			expect(res.headers.get("X-Cart-Token")).toBeNull();
		}
	});

	it("answers 409 UNAVAILABLE to an existing cart and leaves it as it was", async () => {
		const { a, b } = await twoVariants();
		const { cartToken } = await newGuestCart(b, 2);
		await archiveVariant(a);
		await expectError(await addItem(a, 1, { cartToken }), 409, "UNAVAILABLE");
		const cart = await cartOf({ cartToken });
		expect(cart.items.map((i) => [i.variantId, i.quantity])).toEqual([[b, 2]]);
	});
});

describe("a cart line whose variant became inactive", () => {
	it("shows `unavailable`, is left out of the subtotal, and refuses a quantity change with 409 UNAVAILABLE", async () => {
		const { product, a, b } = await twoVariants();
		const guest = await newGuestCart(a, 2);
		const who = { cartToken: guest.cartToken };
		await addItem(b, 1, who);
		await archiveVariant(a);

		let cart = await cartOf(who);
		expect(cart.items.map((i) => [i.variantId, i.notices])).toEqual([
			[a, [{ code: "unavailable" }]],
			[b, []],
		]);
		expect(cart.subtotal).toBe(700);

		const line = cart.items[0]?.id ?? "";
		const res = await setQuantity(line, 1, who);
		expect(dbRoundTrips(res)).toBe(1);
		await expectError(res, 409, "UNAVAILABLE");
		expect((await cartOf(who)).items[0]?.quantity).toBe(2);

		// The product going inactive makes every line of it unavailable, in stock or not.
		await archiveProduct(product.id);
		cart = await cartOf(who);
		expect(cart.items.map((i) => i.notices)).toEqual([
			[{ code: "unavailable" }],
			[{ code: "unavailable" }],
		]);
		await expectError(
			await setQuantity(cart.items[1]?.id ?? "", 2, who),
			409,
			"UNAVAILABLE",
		);
	});

	it("can still be removed (quantity 0 or DELETE)", async () => {
		const { a } = await twoVariants();
		const guest = await newGuestCart(a, 2);
		const who = { cartToken: guest.cartToken };
		await archiveVariant(a);
		const line = guest.items[0]?.id ?? "";
		const res = await setQuantity(line, 0, who);
		expect(res.status).toBe(200);
		expect(((await res.json()) as CartJson).items).toEqual([]);
	});
});

describe("merging a guest cart with an inactive line", () => {
	it("leaves the line behind as `unavailable` and merges the rest", async () => {
		const { a, b } = await twoVariants();
		const user = await register();
		const guest = await newGuestCart(a, 2);
		const who = { cartToken: guest.cartToken };
		await addItem(b, 1, who);
		await archiveVariant(a);
		const res = await call(
			"/v1/auth/login",
			json(
				{ email: user.email, password: PASSWORD, refreshTokenDelivery: "body" },
				{ headers: { "CF-Connecting-IP": uniqueIp(), ...whoHeaders(who) } },
			),
		);
		expect(res.status).toBe(200);
		const { cartMerge } = (await res.json()) as {
			cartMerge: { lines: number; adjusted: unknown[] };
		};
		expect(cartMerge.lines).toBe(1);
		expect(cartMerge.adjusted).toEqual([
			expect.objectContaining({
				variantId: a,
				requested: 2,
				quantity: 0,
				reason: "unavailable",
			}),
		]);
		const cart = await cartOf({ accessToken: user.accessToken });
		expect(cart.items.map((i) => i.variantId)).toEqual([b]);
	});
});

describe("catalog views of an inactive variant", () => {
	it("labels it `unavailable` in the admin product view, in stock or not", async () => {
		const { product, a, b } = await twoVariants();
		await archiveVariant(a);
		const view = async () =>
			(await (await admin(`/v1/admin/products/${product.id}`)).json()) as {
				variants: { id: string; available: number; availability: string }[];
			};
		expect(
			(await view()).variants.map((v) => [v.id, v.available, v.availability]),
		).toEqual([
			[a, 10, "unavailable"],
			[b, 10, "in_stock"],
		]);
		await admin(`/v1/admin/products/${product.id}`, patch({ status: "draft" }));
		expect((await view()).variants.map((v) => v.availability)).toEqual([
			"unavailable",
			"unavailable",
		]);
	});

	it("does not count it toward a product card's inStock or the inStock filter", async () => {
		const category = await createCategory();
		const product = await createProduct(category.id, {
			options: [{ name: "Size", values: ["S", "M"] }],
			variants: [
				{ price: 500, onHand: 0, options: { Size: "S" } },
				{ price: 700, onHand: 8, options: { Size: "M" } },
			],
		});
		const card = async (query: string) =>
			(await listPage(`category=${category.slug}${query}`)).data.find(
				(p) => p.id === product.id,
			);
		expect((await card("&sort=newest&limit=100"))?.inStock).toBe(true);
		await archiveVariant(product.variants[1]?.id ?? "");
		// Fresh query strings: public list pages are edge-cached.
		expect((await card("&sort=name&limit=100"))?.inStock).toBe(false);
		expect(await card("&inStock=true&limit=99")).toBeUndefined();
	});
});
