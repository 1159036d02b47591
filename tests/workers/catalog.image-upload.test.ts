import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { toHex } from "../../src/lib/encoding";
import {
	admin,
	asAdmin,
	type UploadedImage as Image,
	PNG_1X1,
	pngOfSize,
	someProduct as product,
	uploadImage as upload,
} from "./helpers/catalog";
import { callWith, expectError } from "./helpers/http";

const sha256HexOf = async (bytes: Uint8Array) =>
	toHex(await crypto.subtle.digest("SHA-256", bytes));

const jpegHeader = Uint8Array.from([
	0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01,
	0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01,
	0xe0, 0x02, 0x80, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
]);

describe("POST /v1/admin/products/:id/images", () => {
	it("stores the bytes in R2 under their SHA-256 and records dimensions", async () => {
		const p = await product();
		const res = await upload(p.id, PNG_1X1, "image/png", "?alt=A%20pixel");
		expect(res.status).toBe(201);
		const image = (await res.json()) as Image;
		const hex = await sha256HexOf(PNG_1X1);
		expect(image).toMatchObject({
			key: `${hex}.png`,
			url: `${(env as unknown as { IMAGE_BASE_URL: string }).IMAGE_BASE_URL}/${hex}.png`,
			alt: "A pixel",
			width: 1,
			height: 1,
			position: 0,
		});
		const object = await env.IMAGES.get(image.key);
		expect(
			new Uint8Array(await (object as R2ObjectBody).arrayBuffer()),
		).toEqual(PNG_1X1);
	});

	it("reads JPEG dimensions from the frame header", async () => {
		const p = await product();
		const bytes = new Uint8Array(200);
		bytes.set(jpegHeader);
		bytes.set(crypto.getRandomValues(new Uint8Array(16)), 100);
		const res = await upload(p.id, bytes, "image/jpeg");
		expect(await res.json()).toMatchObject({ width: 640, height: 480 });
	});

	it("leaves the app-wide body limit in force on every other route", async () => {
		const p = await product();
		const big = JSON.stringify({ name: "x".repeat(70_000) });
		for (const [method, path] of [
			["PATCH", `/v1/admin/products/${p.id}`],
			["POST", `/v1/admin/products/${p.id}/variants`],
		] as const)
			await expectError(
				await admin(path, {
					method,
					headers: { "Content-Type": "application/json" },
					body: big,
				}),
				413,
				"PAYLOAD_TOO_LARGE",
			);
	});

	it("accepts up to 5 MB, past the app-wide body limit", async () => {
		const p = await product();
		const res = await upload(p.id, pngOfSize(5 * 1024 * 1024), "image/png");
		expect(res.status).toBe(201);
		expect(await res.json()).toMatchObject({ width: 640, height: 480 });
	});

	it("answers 413 over 5 MB", async () => {
		const p = await product();
		const res = await upload(p.id, pngOfSize(5 * 1024 * 1024 + 1), "image/png");
		await expectError(res, 413, "PAYLOAD_TOO_LARGE");
	});

	it("answers 415 when the bytes are not the declared type or the type is unsupported", async () => {
		const p = await product();
		const mismatch = await upload(p.id, PNG_1X1, "image/jpeg");
		expect(
			(await expectError(mismatch, 415, "UNSUPPORTED_MEDIA_TYPE")).details,
		).toEqual({
			declared: "image/jpeg",
			detected: "image/png",
		});
		const html = new TextEncoder().encode("<html><script>alert(1)</script>");
		await expectError(
			await upload(p.id, html, "image/png"),
			415,
			"UNSUPPORTED_MEDIA_TYPE",
		);
		const bmp = Uint8Array.from([0x42, 0x4d, 0, 0, 0, 0, 0, 0, 0, 0]);
		await expectError(
			await upload(p.id, bmp, "image/bmp"),
			415,
			"UNSUPPORTED_MEDIA_TYPE",
		);
		await expectError(
			await upload(p.id, new Uint8Array(0), "image/png"),
			400,
			"VALIDATION_FAILED",
		);
	});

	it("checks the product before storing anything: a 404 leaves no R2 object", async () => {
		const bytes = pngOfSize(256);
		const key = `${await sha256HexOf(bytes)}.png`;
		await expectError(
			await upload("00000000-0000-7000-8000-000000000000", bytes, "image/png"),
			404,
			"NOT_FOUND",
		);
		const p = await product();
		const other = await product();
		await expectError(
			await upload(
				p.id,
				bytes,
				"image/png",
				`?variantId=${other.variants[0]?.id}`,
			),
			404,
			"NOT_FOUND",
		);
		expect(await env.IMAGES.head(key)).toBeNull();
	});

	it("records nothing when R2 refuses the bytes (500)", async () => {
		vi.spyOn(console, "error").mockImplementation(() => {});
		const p = await product();
		const refusing = {
			...env,
			IMAGES: {
				...env.IMAGES,
				put: () => Promise.reject(new Error("R2 is down")),
			},
		};
		const res = await callWith(refusing, `/v1/admin/products/${p.id}/images`, {
			method: "POST",
			headers: {
				"Content-Type": "image/png",
				...(await asAdmin()),
			},
			body: pngOfSize(256),
		});
		await expectError(res, 500, "INTERNAL");
		const view = (await (await admin(`/v1/admin/products/${p.id}`)).json()) as {
			images: unknown[];
		};
		expect(view.images).toEqual([]);
	});

	it("answers 404 for an unknown product or a variant of another product", async () => {
		const p = await product();
		const other = await product();
		await expectError(
			await upload(
				"00000000-0000-7000-8000-000000000000",
				PNG_1X1,
				"image/png",
			),
			404,
			"NOT_FOUND",
		);
		await expectError(
			await upload(
				p.id,
				PNG_1X1,
				"image/png",
				`?variantId=${other.variants[0]?.id}`,
			),
			404,
			"NOT_FOUND",
		);
	});
});
