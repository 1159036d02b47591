import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
	admin,
	type UploadedImage as Image,
	PNG_1X1,
	patch,
	pngOfSize,
	someProduct as product,
	uploadImage as upload,
} from "./helpers/catalog";
import { runCron } from "./helpers/cron";
import { call, expectError, json } from "./helpers/http";

describe("GET /v1/images/:key", () => {
	it("serves the object with immutable caching, 304 on its ETag, 404 when unknown", async () => {
		const p = await product();
		const image = (await (
			await upload(p.id, pngOfSize(300), "image/png")
		).json()) as Image;
		expect(image.url).toMatch(
			/^https:\/\/images\.voidshop\.test\/v1\/images\//,
		);
		const res = await call(new URL(image.url).pathname);
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toBe("image/png");
		expect(res.headers.get("Cache-Control")).toBe(
			"public, max-age=31536000, immutable",
		);
		expect((await res.arrayBuffer()).byteLength).toBe(300);
		// A storefront on another origin must be able to render it (<img>, also under COEP).
		expect(res.headers.get("Cross-Origin-Resource-Policy")).toBe(
			"cross-origin",
		);
		const again = await call(new URL(image.url).pathname, {
			headers: { "If-None-Match": res.headers.get("ETag") ?? "" },
		});
		expect(again.status).toBe(304);
		expect(again.headers.get("Cross-Origin-Resource-Policy")).toBe(
			"cross-origin",
		);
		// Every other response keeps the API's default.
		const json404 = await call(`/v1/images/${"0".repeat(64)}.png`);
		expect(json404.headers.get("Cross-Origin-Resource-Policy")).toBe(
			"same-origin",
		);
		await expectError(
			await call(`/v1/images/${"0".repeat(64)}.png`),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await call("/v1/images/..%2Fsecret"),
			400,
			"VALIDATION_FAILED",
		);
	});
});

describe("PATCH /v1/admin/images/:id, PUT /v1/admin/products/:id/images/order, DELETE /v1/admin/images/:id", () => {
	it("sets alt text, reorders, shows the first image on the card and deletes", async () => {
		const p = await product();
		const a = (await (
			await upload(p.id, pngOfSize(100), "image/png")
		).json()) as Image;
		const b = (await (
			await upload(p.id, pngOfSize(100), "image/png")
		).json()) as Image;
		expect([a.position, b.position]).toEqual([0, 1]);

		const alt = await admin(
			`/v1/admin/images/${b.id}`,
			patch({ alt: "Back view" }),
		);
		expect(await alt.json()).toMatchObject({ alt: "Back view" });

		const order = await admin(
			`/v1/admin/products/${p.id}/images/order`,
			json({ imageIds: [b.id, a.id] }, { method: "PUT" }),
		);
		expect(order.status).toBe(204);
		const detail = await (await admin(`/v1/admin/products/${p.id}`)).json();
		expect(
			(detail as { images: Image[] }).images.map((i) => [i.id, i.alt]),
		).toEqual([
			[b.id, "Back view"],
			[a.id, ""],
		]);

		for (const imageIds of [
			[a.id],
			[a.id, a.id],
			[a.id, "00000000-0000-7000-8000-000000000000"],
		])
			await expectError(
				await admin(
					`/v1/admin/products/${p.id}/images/order`,
					json({ imageIds }, { method: "PUT" }),
				),
				400,
				"VALIDATION_FAILED",
			);

		await expectError(
			await admin(
				"/v1/admin/images/00000000-0000-7000-8000-000000000000",
				patch({ alt: "x" }),
			),
			404,
			"NOT_FOUND",
		);

		const gone = await admin(`/v1/admin/images/${b.id}`, { method: "DELETE" });
		expect(gone.status).toBe(204);
		// The R2 object goes with the cleanup job (catalog.image-cleanup.test.ts), not inline.
		await runCron();
		expect(await env.IMAGES.head(b.key)).toBeNull();
		await expectError(
			await admin(`/v1/admin/images/${b.id}`, { method: "DELETE" }),
			404,
			"NOT_FOUND",
		);
	});

	it("keeps the R2 object while another image row shares its bytes", async () => {
		const p = await product();
		const first = (await (
			await upload(p.id, PNG_1X1, "image/png")
		).json()) as Image;
		const second = (await (
			await upload(p.id, PNG_1X1, "image/png")
		).json()) as Image;
		expect(second.key).toBe(first.key);
		await admin(`/v1/admin/images/${first.id}`, { method: "DELETE" });
		await runCron();
		expect(await env.IMAGES.head(first.key)).not.toBeNull();
	});
});
