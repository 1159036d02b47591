import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { orders, users } from "../../../src/db/schema";
import { newAdmin } from "../helpers/admin";
import {
	bearer,
	PASSWORD,
	register,
	uniqueEmail,
	uniqueIp,
} from "../helpers/auth";
import { addItem, freshProduct } from "../helpers/cart";
import { testDb } from "../helpers/db";
import { call, expectError, json } from "../helpers/http";
import { checkout } from "../helpers/orders";

/**
 * OWASP API3:2023 Broken Object Property Level Authorization: mass assignment (a client setting
 * properties it must not: role, status, email verification, prices, totals, owners) and
 * excessive data exposure (secrets in responses). Every body schema is strict, so an unknown or
 * forbidden property is a 400 naming it, never silently applied.
 */
const SECRET_KEYS = /password|hash|salt|secret|refresh/i;

function keysOf(value: unknown, into: string[] = []): string[] {
	if (Array.isArray(value)) for (const v of value) keysOf(v, into);
	else if (value && typeof value === "object")
		for (const [k, v] of Object.entries(value)) {
			into.push(k);
			keysOf(v, into);
		}
	return into;
}

describe("API3 broken object property level authorization", () => {
	it("refuses role, status, verification and id fields at registration, creating no account", async () => {
		const email = uniqueEmail();
		for (const extra of [
			{ role: "admin" },
			{ status: "active", emailVerifiedAt: new Date().toISOString() },
			{ id: crypto.randomUUID() },
		]) {
			const error = await expectError(
				await call(
					"/v1/auth/register",
					json(
						{ email, password: PASSWORD, name: "Mallory", ...extra },
						{ headers: { "CF-Connecting-IP": uniqueIp() } },
					),
				),
				400,
				"VALIDATION_FAILED",
			);
			expect(JSON.stringify(error.details)).toContain(Object.keys(extra)[0]);
		}
		const rows = await testDb()
			.select()
			.from(users)
			.where(eq(users.email, email));
		expect(rows).toEqual([]);
	});

	it("refuses role, email and status on PATCH /v1/me and changes nothing", async () => {
		const session = await register();
		for (const body of [
			{ name: "M", role: "admin" },
			{ name: "M", email: uniqueEmail() },
			{ name: "M", status: "active" },
		])
			await expectError(
				await call(
					"/v1/me",
					json(body, { method: "PATCH", headers: bearer(session.accessToken) }),
				),
				400,
				"VALIDATION_FAILED",
			);
		const [row] = await testDb()
			.select({ role: users.role, email: users.email, name: users.name })
			.from(users)
			.where(eq(users.id, session.userId));
		expect(row).toEqual({
			role: "customer",
			email: session.email,
			name: "Test Customer",
		});
	});

	it("refuses a client's price on a cart line and its totals at checkout; the order is priced from the database", async () => {
		const product = await freshProduct([{ price: 2500, onHand: 5 }]);
		const variantId = product.variants[0]?.id ?? "";
		const session = await register();
		const who = { accessToken: session.accessToken };
		for (const extra of [{ unitPrice: 1 }, { price: 1 }, { currency: "JPY" }])
			await expectError(
				await call(
					"/v1/cart/items",
					json(
						{ variantId, quantity: 1, ...extra },
						{ headers: bearer(who.accessToken) },
					),
				),
				400,
				"VALIDATION_FAILED",
			);
		expect((await addItem(variantId, 2, who)).status).toBe(201);
		for (const extra of [
			{ total: 1 },
			{ subtotal: 1 },
			{ status: "paid" },
			{ userId: crypto.randomUUID() },
		])
			await expectError(
				await checkout(who, extra, { "Idempotency-Key": crypto.randomUUID() }),
				400,
				"VALIDATION_FAILED",
			);
		const res = await checkout(
			who,
			{},
			{ "Idempotency-Key": crypto.randomUUID() },
		);
		expect(res.status).toBe(201);
		const { order } = (await res.json()) as {
			order: { id: string; subtotal: number };
		};
		expect(order.subtotal).toBe(5000);
		const [row] = await testDb()
			.select({ userId: orders.userId, status: orders.status })
			.from(orders)
			.where(eq(orders.id, order.id));
		expect(row).toEqual({ userId: session.userId, status: "pending_payment" });
	});

	it("exposes no password hash, token hash or secret in the profile, sessions or admin user views", async () => {
		const session = await register();
		const admin = await newAdmin();
		const bodies = await Promise.all(
			[
				call("/v1/me", { headers: bearer(session.accessToken) }),
				call(`/v1/admin/users/${session.userId}`, { headers: admin.headers }),
				call(`/v1/admin/users?q=${encodeURIComponent(session.email)}`, {
					headers: admin.headers,
				}),
			].map(async (res) => {
				const r = await res;
				expect(r.status).toBe(200);
				return r.json();
			}),
		);
		for (const body of bodies)
			expect(keysOf(body).filter((k) => SECRET_KEYS.test(k))).toEqual([]);
	});
});
