import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { bearer, PASSWORD, register } from "./helpers/auth";
import { addItem, freshProduct } from "./helpers/cart";
import { testDb } from "./helpers/db";
import { call, expectError, json } from "./helpers/http";
import { ADDRESS } from "./helpers/orders";

/** A customer whose account row was deleted after the token was issued (the token still verifies). */
async function deletedCustomer() {
	const user = await register();
	await testDb().delete(users).where(eq(users.id, user.userId));
	return user;
}

describe("a deleted account's access token", () => {
	it("adding to the cart answers 401 UNAUTHENTICATED, not 500", async () => {
		const product = await freshProduct();
		const user = await deletedCustomer();
		const res = await addItem(product.variants[0]?.id ?? "", 1, {
			accessToken: user.accessToken,
		});
		const error = await expectError(res, 401, "UNAUTHENTICATED");
		expect(error.message).toMatch(/no longer exists/);
	});

	it("saving an address answers 401 UNAUTHENTICATED, not 500", async () => {
		const user = await deletedCustomer();
		const res = await call(
			"/v1/me/addresses",
			json(ADDRESS, { headers: bearer(user.accessToken) }),
		);
		const error = await expectError(res, 401, "UNAUTHENTICATED");
		expect(error.message).toMatch(/no longer exists/);
	});

	it("changing the password or the profile answers 401 UNAUTHENTICATED", async () => {
		const user = await deletedCustomer();
		await expectError(
			await call(
				"/v1/me/password",
				json(
					{ currentPassword: PASSWORD, newPassword: "amber-lantern-canyon-77" },
					{ headers: bearer(user.accessToken) },
				),
			),
			401,
			"UNAUTHENTICATED",
		);
		await expectError(
			await call(
				"/v1/me",
				json(
					{ name: "Ghost" },
					{ method: "PATCH", headers: bearer(user.accessToken) },
				),
			),
			401,
			"UNAUTHENTICATED",
		);
	});
});
