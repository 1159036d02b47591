import { describe, expect, it } from "vitest";
import {
	bearer,
	PASSWORD,
	register,
	uniqueEmail,
	uniqueIp,
} from "./helpers/auth";
import {
	admin,
	createCategory,
	createProduct,
	patch,
	post,
} from "./helpers/catalog";
import { call, expectError, json } from "./helpers/http";

/** A NUL, a lone high surrogate and a lone low surrogate (JSON escapes survive JSON.stringify). */
const BAD = ["a\u0000b", "a\ud800b", "\udc00"];

async function expectRejected(res: Response, path?: string) {
	const error = await expectError(res, 400, "VALIDATION_FAILED");
	if (path)
		expect(error.details).toMatchObject({
			fields: [expect.objectContaining({ path })],
		});
}

const address = {
	name: "Ada",
	line1: "1 Main St",
	city: "Berlin",
	postalCode: "10115",
	country: "DE",
};

describe("text inputs with NUL characters or lone surrogates", () => {
	it("answers 400 for a product path parameter (unauthenticated)", async () => {
		await expectRejected(await call("/v1/products/%00"));
		await expectRejected(await call("/v1/products/a%00b"));
	});

	it("answers 400 in a query string", async () => {
		await expectRejected(await call("/v1/products?q=a%00b"), "q");
	});

	it.each(BAD)("answers 400 for register's name %j", async (name) => {
		const res = await call(
			"/v1/auth/register",
			json(
				{ email: uniqueEmail(), password: PASSWORD, name },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		await expectRejected(res, "name");
	});

	it.each(BAD)(
		"answers 400 for PATCH /v1/me name and address fields %j",
		async (bad) => {
			const user = await register();
			await expectRejected(
				await call(
					"/v1/me",
					json(
						{ name: bad },
						{ method: "PATCH", headers: bearer(user.accessToken) },
					),
				),
				"name",
			);
			await expectRejected(
				await call(
					"/v1/me/addresses",
					json(
						{ ...address, line1: bad },
						{ headers: bearer(user.accessToken) },
					),
				),
				"line1",
			);
			// Nothing was stored: the name is unchanged and there is no address.
			const me = await call("/v1/me", { headers: bearer(user.accessToken) });
			expect(((await me.json()) as { name: string }).name).not.toContain(
				"\u0000",
			);
			const list = await call("/v1/me/addresses", {
				headers: bearer(user.accessToken),
			});
			expect(JSON.stringify(await list.json())).not.toContain("Main St");
		},
	);

	it.each(BAD)("answers 400 for a variant option value %j", async (bad) => {
		const category = await createCategory();
		const product = await createProduct(category.id, {
			options: [{ name: "Size", values: ["S", "M"] }],
			variants: [{ price: 1000, options: { Size: "S" } }],
		});
		const variant = product.variants[0];
		const res = await admin(
			`/v1/admin/variants/${variant?.id}`,
			patch({ options: { Size: bad } }),
		);
		await expectError(res, 400, "VALIDATION_FAILED");
		const created = await admin(
			`/v1/admin/products/${product.id}/variants`,
			post({
				sku: `NUL-${crypto.randomUUID()}`,
				price: 100,
				options: { [bad]: "M" },
			}),
		);
		await expectError(created, 400, "VALIDATION_FAILED");
	});

	it("still accepts well-formed non-ASCII text (paired surrogates)", async () => {
		const res = await call(
			"/v1/auth/register",
			json(
				{ email: uniqueEmail(), password: PASSWORD, name: "Zoë 🛒 中文" },
				{ headers: { "CF-Connecting-IP": uniqueIp() } },
			),
		);
		expect(res.status).toBe(201);
	});
});
