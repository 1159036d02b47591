import { describe, expect, it } from "vitest";
import { register, signToken } from "./helpers/auth";
import {
	addItem,
	type CartJson,
	cartOf,
	freshProduct,
	newGuestCart,
	removeItem,
	setQuantity,
	setStock,
	type Who,
	whoHeaders,
} from "./helpers/cart";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";

/** A guest cart holding `quantity` of a fresh variant with `onHand` in stock. */
async function guestWithLine(quantity = 2, onHand = 10) {
	const product = await freshProduct([{ price: 1000, onHand }]);
	const variantId = product.variants[0]?.id ?? "";
	const cart = await newGuestCart(variantId, quantity);
	const itemId = cart.items[0]?.id ?? "";
	return { variantId, itemId, who: { cartToken: cart.cartToken } as Who };
}

describe("PATCH /v1/cart/items/:itemId", () => {
	it("sets the quantity and returns the cart in one round trip", async () => {
		const { itemId, who } = await guestWithLine();
		const res = await setQuantity(itemId, 7, who);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		const cart = (await res.json()) as CartJson;
		expect(cart.items[0]).toMatchObject({
			id: itemId,
			quantity: 7,
			lineTotal: 7000,
		});
	});

	it("removes the line with quantity 0", async () => {
		const { itemId, who } = await guestWithLine();
		const res = await setQuantity(itemId, 0, who);
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(1);
		expect(((await res.json()) as CartJson).items).toEqual([]);
	});

	it("answers 409 OUT_OF_STOCK above the available stock and leaves the line alone", async () => {
		const { variantId, itemId, who } = await guestWithLine(2, 10);
		await setStock(variantId, 4);
		const res = await setQuantity(itemId, 5, who);
		expect(dbRoundTrips(res)).toBe(1);
		const error = await expectError(res, 409, "OUT_OF_STOCK");
		expect(error.details).toEqual({ available: 4 });
		expect((await cartOf(who)).items[0]?.quantity).toBe(2);
	});

	it("answers 404 for someone else's line, a missing line and no cart at all", async () => {
		const mine = await guestWithLine();
		const theirs = await guestWithLine();
		const user = await register();
		for (const [itemId, who] of [
			[theirs.itemId, mine.who],
			[mine.itemId, { accessToken: user.accessToken }],
			[crypto.randomUUID(), mine.who],
			[mine.itemId, {}],
			[mine.itemId, { cartToken: "D".repeat(43) }],
		] as [string, Who][]) {
			await expectError(await setQuantity(itemId, 1, who), 404, "NOT_FOUND");
			await expectError(await setQuantity(itemId, 0, who), 404, "NOT_FOUND");
		}
		expect((await cartOf(theirs.who)).items[0]?.quantity).toBe(2);
	});

	it("rejects bad ids and quantities with 400 before touching the database", async () => {
		const { itemId, who } = await guestWithLine();
		for (const [id, body] of [
			["not-a-uuid", { quantity: 1 }],
			["1%20or%201=1", { quantity: 1 }],
			[itemId, { quantity: -1 }],
			[itemId, { quantity: 100 }],
			[itemId, { quantity: 2.5 }],
			[itemId, { quantity: null }],
			[itemId, {}],
			[itemId, { quantity: 1, price: 1 }],
		] as [string, unknown][]) {
			const res = await call(
				`/v1/cart/items/${id}`,
				json(body, { method: "PATCH", headers: whoHeaders(who) }),
			);
			await expectError(res, 400, "VALIDATION_FAILED");
			expect(dbRoundTrips(res)).toBe(0);
		}
	});
});

describe("DELETE /v1/cart/items/:itemId", () => {
	it("removes the line: 204, one round trip", async () => {
		const { itemId, who } = await guestWithLine();
		const res = await removeItem(itemId, who);
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(1);
		expect((await cartOf(who)).items).toEqual([]);
	});

	it("answers 404 for someone else's line or a line already removed", async () => {
		const mine = await guestWithLine();
		const theirs = await guestWithLine();
		await expectError(
			await removeItem(theirs.itemId, mine.who),
			404,
			"NOT_FOUND",
		);
		expect((await cartOf(theirs.who)).items).toHaveLength(1);
		expect((await removeItem(mine.itemId, mine.who)).status).toBe(204);
		await expectError(
			await removeItem(mine.itemId, mine.who),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await removeItem("nope", mine.who),
			400,
			"VALIDATION_FAILED",
		);
	});
});

describe("DELETE /v1/cart", () => {
	it("empties the cart (which stays, with its token): 204, one round trip, idempotent", async () => {
		const product = await freshProduct([
			{ price: 100, onHand: 5 },
			{ price: 200, onHand: 5 },
		]);
		const cart = await newGuestCart(product.variants[0]?.id ?? "");
		const who = { cartToken: cart.cartToken };
		await addItem(product.variants[1]?.id ?? "", 1, who);
		for (let i = 0; i < 2; i++) {
			const res = await call("/v1/cart", {
				method: "DELETE",
				headers: whoHeaders(who),
			});
			expect(res.status).toBe(204);
			expect(dbRoundTrips(res)).toBe(1);
		}
		expect(await cartOf(who)).toMatchObject({
			id: cart.id,
			items: [],
			subtotal: 0,
		});
	});

	it("answers 204 without a cart", async () => {
		const res = await call("/v1/cart", { method: "DELETE" });
		expect(res.status).toBe(204);
		expect(dbRoundTrips(res)).toBe(0);
	});
});

describe("concurrency", () => {
	it("parallel adds of one variant to one cart end as one line with the summed quantity", async () => {
		const product = await freshProduct([{ price: 100, onHand: 99 }]);
		const variantId = product.variants[0]?.id ?? "";
		for (const who of [
			{ cartToken: (await newGuestCart(variantId, 1)).cartToken },
			{ accessToken: (await register()).accessToken },
		] as Who[]) {
			const before = (await cartOf(who)).itemCount;
			const responses = await Promise.all(
				Array.from({ length: 8 }, () => addItem(variantId, 3, who)),
			);
			expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
			const cart = await cartOf(who);
			expect(cart.items).toHaveLength(1);
			expect(cart.items[0]?.quantity).toBe(before + 24);
		}
	});

	it("parallel adds never put more in a cart than is available", async () => {
		const product = await freshProduct([{ price: 100, onHand: 10 }]);
		const variantId = product.variants[0]?.id ?? "";
		const { cartToken } = await newGuestCart(variantId, 1);
		const responses = await Promise.all(
			Array.from({ length: 8 }, () => addItem(variantId, 2, { cartToken })),
		);
		const ok = responses.filter((r) => r.status === 201).length;
		expect(ok).toBe(4);
		for (const r of responses.filter((r) => r.status !== 201))
			await expectError(r, 409, "OUT_OF_STOCK");
		expect((await cartOf({ cartToken })).items[0]?.quantity).toBe(9);
	});
});

describe("authentication on cart routes", () => {
	const routes = [
		["GET", "/v1/cart", undefined],
		["DELETE", "/v1/cart", undefined],
		["POST", "/v1/cart/items", { variantId: crypto.randomUUID(), quantity: 1 }],
		["PATCH", `/v1/cart/items/${crypto.randomUUID()}`, { quantity: 1 }],
		["DELETE", `/v1/cart/items/${crypto.randomUUID()}`, undefined],
	] as const;

	it.each(routes)(
		"%s %s answers 401 for a malformed or expired access token",
		async (method, path, body) => {
			const now = Math.floor(Date.now() / 1000);
			const expired = await signToken({ iat: now - 3600, exp: now - 1800 });
			for (const Authorization of [
				"Bearer not-a-jwt",
				`Bearer ${expired}`,
				"Basic x",
			]) {
				const res = await call(path, {
					method,
					headers: {
						Authorization,
						"X-Cart-Token": "E".repeat(43),
						...(body ? { "Content-Type": "application/json" } : {}),
					},
					body: body ? JSON.stringify(body) : undefined,
				});
				await expectError(res, 401, "UNAUTHENTICATED");
			}
		},
	);

	it("refuses a cart write from a cross-site Origin", async () => {
		const res = await call(
			"/v1/cart/items",
			json(
				{ variantId: crypto.randomUUID(), quantity: 1 },
				{ headers: { Origin: "https://evil.example" } },
			),
		);
		await expectError(res, 403, "FORBIDDEN");
	});

	it("documents the cart routes in the OpenAPI document", async () => {
		const doc = (await (await call("/v1/openapi.json")).json()) as {
			paths: Record<string, Record<string, unknown>>;
		};
		expect(Object.keys(doc.paths["/v1/cart"] ?? {}).sort()).toEqual([
			"delete",
			"get",
		]);
		expect(Object.keys(doc.paths["/v1/cart/items"] ?? {})).toEqual(["post"]);
		expect(
			Object.keys(doc.paths["/v1/cart/items/{itemId}"] ?? {}).sort(),
		).toEqual(["delete", "patch"]);
	});
});
