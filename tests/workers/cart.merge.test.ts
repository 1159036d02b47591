import { eq, inArray, sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { carts } from "../../src/db/schema";
import { sha256Hex } from "../../src/lib/tokens";
import { PASSWORD, register, uniqueEmail, uniqueIp } from "./helpers/auth";
import {
	addItem,
	type CartJson,
	cartOf,
	freshProduct,
	getCart,
	newGuestCart,
	setStock,
	whoHeaders,
} from "./helpers/cart";
import { runCron } from "./helpers/cron";
import { testDb } from "./helpers/db";
import { call, dbRoundTrips, expectError, json } from "./helpers/http";

afterEach(() => vi.restoreAllMocks());

interface SignedIn {
	accessToken: string;
	cartMerge?: {
		merged: boolean;
		lines: number;
		adjusted: {
			variantId: string;
			sku: string;
			requested: number;
			quantity: number;
			reason: string;
		}[];
	};
}

function signIn(
	path: "/v1/auth/login" | "/v1/auth/register",
	email: string,
	headers: Record<string, string>,
) {
	return call(
		path,
		json(
			{
				email,
				password: PASSWORD,
				refreshTokenDelivery: "body",
				...(path === "/v1/auth/register" ? { name: "Shopper" } : {}),
			},
			{ headers: { "CF-Connecting-IP": uniqueIp(), ...headers } },
		),
	);
}

describe("guest cart merge on register", () => {
	it("adds as a guest, registers with the cookie: items moved, token dead, cookie cleared; still one round trip", async () => {
		const product = await freshProduct([
			{ price: 1500, onHand: 10 },
			{ price: 800, onHand: 10 },
		]);
		const [a, b] = product.variants;
		const guest = await newGuestCart(a?.id ?? "", 2);
		await addItem(b?.id ?? "", 1, { cartToken: guest.cartToken });

		const res = await signIn("/v1/auth/register", uniqueEmail(), {
			Cookie: `vs_cart=${guest.cartToken}`,
		});
		expect(res.status).toBe(201);
		expect(dbRoundTrips(res)).toBe(1);
		expect(res.headers.getSetCookie().join()).toMatch(/vs_cart=;.*Max-Age=0/);
		const body = (await res.json()) as SignedIn;
		expect(body.cartMerge).toEqual({ merged: true, lines: 2, adjusted: [] });

		const cart = await cartOf({ accessToken: body.accessToken });
		expect(cart.items.map((i) => [i.variantId, i.quantity])).toEqual([
			[a?.id, 2],
			[b?.id, 1],
		]);
		expect(cart.id).not.toBe(guest.id);
		expect((await cartOf({ cartToken: guest.cartToken })).id).toBeNull();
		await expectError(
			await addItem(a?.id ?? "", 1, { cartToken: guest.cartToken }),
			404,
			"NOT_FOUND",
		);
	});

	it("reports no cartMerge without a cart token, and merged: false for an unknown one", async () => {
		let res = await signIn("/v1/auth/register", uniqueEmail(), {});
		expect(((await res.json()) as SignedIn).cartMerge).toBeUndefined();
		for (const token of ["F".repeat(43), "garbage"]) {
			res = await signIn("/v1/auth/register", uniqueEmail(), {
				"X-Cart-Token": token,
			});
			expect(res.status).toBe(201);
			expect(((await res.json()) as SignedIn).cartMerge).toEqual({
				merged: false,
				lines: 0,
				adjusted: [],
			});
		}
	});
});

describe("guest cart merge on login", () => {
	it("sums quantities capped at stock, leaves out-of-stock lines, reports it, within login's 2 round trips", async () => {
		const product = await freshProduct([
			{ price: 100, onHand: 6 },
			{ price: 200, onHand: 10 },
			{ price: 300, onHand: 10 },
		]);
		const [capped, moved, gone] = product.variants;
		const user = await register();
		await addItem(capped?.id ?? "", 4, { accessToken: user.accessToken });

		const guest = await newGuestCart(capped?.id ?? "", 3);
		const who = { cartToken: guest.cartToken };
		await addItem(moved?.id ?? "", 2, who);
		await addItem(gone?.id ?? "", 2, who);
		await setStock(gone?.id ?? "", 0);

		const res = await signIn("/v1/auth/login", user.email, whoHeaders(who));
		expect(res.status).toBe(200);
		expect(dbRoundTrips(res)).toBe(2);
		const body = (await res.json()) as SignedIn;
		expect(body.cartMerge).toEqual({
			merged: true,
			lines: 2,
			adjusted: expect.arrayContaining([
				{
					variantId: capped?.id,
					sku: capped?.sku,
					requested: 7,
					quantity: 6,
					reason: "capped_at_stock",
				},
				{
					variantId: gone?.id,
					sku: gone?.sku,
					requested: 2,
					quantity: 0,
					reason: "out_of_stock",
				},
			]),
		});
		expect(body.cartMerge?.adjusted).toHaveLength(2);
		const cart = await cartOf({ accessToken: user.accessToken });
		expect(cart.items.map((i) => [i.variantId, i.quantity])).toEqual([
			[capped?.id, 6],
			[moved?.id, 2],
		]);
	});

	it("is idempotent: logging in again with the same token changes nothing", async () => {
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const user = await register();
		const guest = await newGuestCart(variantId, 2);
		const first = (await (
			await signIn("/v1/auth/login", user.email, {
				"X-Cart-Token": guest.cartToken,
			})
		).json()) as SignedIn;
		expect(first.cartMerge?.merged).toBe(true);
		const again = await signIn("/v1/auth/login", user.email, {
			"X-Cart-Token": guest.cartToken,
		});
		expect(((await again.json()) as SignedIn).cartMerge).toEqual({
			merged: false,
			lines: 0,
			adjusted: [],
		});
		const cart = await cartOf({ accessToken: user.accessToken });
		expect(cart.items.map((i) => i.quantity)).toEqual([2]);
	});

	it("leaves lines in another currency than the user's cart behind", async () => {
		const eur = await freshProduct();
		const user = await register();
		await addItem(eur.variants[0]?.id ?? "", 1, {
			accessToken: user.accessToken,
		});
		const tag = crypto.randomUUID().slice(0, 8);
		const { createCategory, admin } = await import("./helpers/catalog");
		const category = await createCategory();
		const usd = (await (
			await admin(
				"/v1/admin/products",
				json({
					slug: `usd-${tag}`,
					name: `USD ${tag}`,
					status: "active",
					categoryId: category.id,
					currency: "USD",
					variants: [{ sku: `USD-${tag}`, price: 900, onHand: 5 }],
				}),
			)
		).json()) as { variants: { id: string }[] };
		const guest = await newGuestCart(usd.variants[0]?.id ?? "", 1);
		const body = (await (
			await signIn("/v1/auth/login", user.email, {
				"X-Cart-Token": guest.cartToken,
			})
		).json()) as SignedIn;
		expect(body.cartMerge).toMatchObject({
			merged: true,
			lines: 0,
			adjusted: [{ quantity: 0, reason: "currency_mismatch" }],
		});
		expect((await cartOf({ accessToken: user.accessToken })).currency).toBe(
			"EUR",
		);
	});

	it("does not merge, nor clear the cookie, when the password is wrong", async () => {
		const product = await freshProduct();
		const user = await register();
		const guest = await newGuestCart(product.variants[0]?.id ?? "", 1);
		const res = await call(
			"/v1/auth/login",
			json(
				{ email: user.email, password: "wrong-password-123" },
				{
					headers: {
						"CF-Connecting-IP": uniqueIp(),
						Cookie: `vs_cart=${guest.cartToken}`,
					},
				},
			),
		);
		await expectError(res, 401, "INVALID_CREDENTIALS");
		expect(res.headers.getSetCookie().join()).not.toContain("vs_cart");
		expect((await cartOf({ cartToken: guest.cartToken })).items).toHaveLength(
			1,
		);
	});
});

describe("scheduled purge of guest carts", () => {
	it("deletes guest carts untouched for 30 days, keeping fresh ones and users' carts", async () => {
		vi.spyOn(console, "log").mockImplementation(() => {});
		const product = await freshProduct();
		const variantId = product.variants[0]?.id ?? "";
		const stale = await newGuestCart(variantId, 1);
		const fresh = await newGuestCart(variantId, 1);
		const user = await register();
		const userCart = (await (
			await addItem(variantId, 1, { accessToken: user.accessToken })
		).json()) as CartJson;
		const db = testDb();
		await db
			.update(carts)
			.set({ updatedAt: sql`now() - interval '31 days'` })
			.where(inArray(carts.id, [stale.id ?? "", userCart.id ?? ""]));

		await runCron();

		const left = await db
			.select({ id: carts.id })
			.from(carts)
			.where(
				inArray(carts.id, [stale.id ?? "", fresh.id ?? "", userCart.id ?? ""]),
			);
		expect(left.map((c) => c.id).sort()).toEqual(
			[fresh.id, userCart.id].sort(),
		);
		expect(
			(await (
				await getCart({ cartToken: stale.cartToken })
			).json()) as CartJson,
		).toMatchObject({
			id: null,
		});
	});

	it("stores only the SHA-256 of a guest cart token", async () => {
		const product = await freshProduct();
		const guest = await newGuestCart(product.variants[0]?.id ?? "", 1);
		const [row] = await testDb()
			.select({ tokenHash: carts.tokenHash })
			.from(carts)
			.where(eq(carts.id, guest.id ?? ""));
		expect(row?.tokenHash).toBe(await sha256Hex(guest.cartToken));
	});
});
