import { describe, expect, it } from "vitest";
import {
	bearer,
	PASSWORD,
	register,
	uniqueEmail,
	uniqueIp,
} from "../helpers/auth";
import {
	admin,
	createCategory,
	createProduct,
	PNG_1X1,
	patch,
	post,
	uploadImage,
} from "../helpers/catalog";
import { call, expectError, json } from "../helpers/http";
import { interceptOrigin } from "../helpers/network";
import { ADDRESS } from "../helpers/orders";
import { sign } from "../helpers/payments";

/**
 * OWASP API7:2023 Server Side Request Forgery. VoidShop fetches nothing a client names: images
 * arrive as bytes (no "import from URL"), links in emails are built from STOREFRONT_URL, the
 * Stripe webhook's event is re-read from Stripe's own API by id. This file puts attacker URLs in
 * every text input that could look like one and asserts nothing was fetched from them (the test
 * network refuses unknown hosts; these intercepts record any attempt).
 */
const TARGETS = [
	"http://169.254.169.254",
	"http://metadata.google.internal",
	"http://ssrf.attacker.example",
];
const URLS = TARGETS.map((t) => `${t}/latest/meta-data/`);

describe("API7 server side request forgery", () => {
	it("fetches none of the URLs put in profile, address, catalog, image, header and webhook inputs", async () => {
		const traps = TARGETS.map((origin) =>
			interceptOrigin(origin, () => new Response("secret")),
		);
		try {
			const [url = "", other = "", third = ""] = URLS;
			const session = await register({ name: url });
			const headers = {
				...bearer(session.accessToken),
				Referer: other,
				Origin: third,
				"X-Forwarded-Host": "ssrf.attacker.example",
				"X-Original-URL": url,
			};
			await call("/v1/me", json({ name: other }, { method: "PATCH", headers }));
			await call(
				"/v1/me/addresses",
				json({ ...ADDRESS, line1: url, line2: other }, { headers }),
			);
			const category = await createCategory();
			const product = await createProduct(category.id, {
				description: `![x](${url}) <img src="${other}">`,
			});
			const image = await uploadImage(
				product.id,
				PNG_1X1,
				"image/png",
				`?alt=${encodeURIComponent(url)}`,
			);
			expect(image.status).toBe(201);
			const { id: imageId, url: served } = (await image.json()) as {
				id: string;
				url: string;
			};
			// Served from our own image route, never a client-given location.
			expect(served).toMatch(
				/^(https?:\/\/[^/]+)?\/v1\/images\/[0-9a-f]{64}\.png$/,
			);
			await admin(`/v1/admin/images/${imageId}`, patch({ alt: third }));
			await call(
				"/v1/auth/password/forgot",
				json(
					{ email: session.email },
					{ headers: { "CF-Connecting-IP": uniqueIp(), Origin: url } },
				),
			);
			const event = JSON.stringify({
				id: `evt_${crypto.randomUUID().replaceAll("-", "")}`,
				type: "payment_intent.succeeded",
				data: {
					object: {
						id: "pi_ssrf",
						object: "payment_intent",
						next_action: { redirect_to_url: { url } },
					},
				},
				request: { url: other },
			});
			const webhook = await call("/v1/webhooks/stripe", {
				method: "POST",
				headers: {
					"Content-Type": "application/json",
					"Stripe-Signature": await sign(event),
				},
				body: event,
			});
			expect(webhook.status).toBe(200);
			await call(
				"/v1/auth/register",
				json(
					{
						email: uniqueEmail(),
						password: PASSWORD,
						name: "x",
						avatarUrl: url,
					},
					{ headers: { "CF-Connecting-IP": uniqueIp() } },
				),
			);
			for (const trap of traps) expect(trap.calls).toEqual([]);
		} finally {
			for (const trap of traps) trap.restore();
		}
	});

	it("takes images only as bytes: a JSON body naming a URL is refused, nothing fetched", async () => {
		const trap = interceptOrigin(TARGETS[2] ?? "", () => new Response(PNG_1X1));
		try {
			const category = await createCategory();
			const product = await createProduct(category.id);
			const res = await admin(
				`/v1/admin/products/${product.id}/images`,
				post({ url: URLS[2] }),
			);
			await expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
			expect(trap.calls).toEqual([]);
		} finally {
			trap.restore();
		}
	});
});
