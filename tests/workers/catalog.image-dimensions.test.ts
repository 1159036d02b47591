import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { uniqueEmail } from "./helpers/auth";
import { freshProduct, newGuestCart } from "./helpers/cart";
import {
	admin,
	type UploadedImage as Image,
	listPage,
	PNG_1X1,
	patch,
	pngOfSize,
	someProduct as product,
	uploadImage as upload,
} from "./helpers/catalog";
import { call, dbRoundTrips, expectError } from "./helpers/http";
import { type FixtureName, IMAGE_FIXTURES } from "./helpers/image-fixtures";
import { checkout, type Placed } from "./helpers/orders";

const IMAGE_BASE = (env as unknown as { IMAGE_BASE_URL: string })
	.IMAGE_BASE_URL;

const CONTENT_TYPE: Record<FixtureName, string> = {
	png: "image/png",
	jpeg: "image/jpeg",
	jpegProgressive: "image/jpeg",
	jpegRotated: "image/jpeg",
	webpLossy: "image/webp",
	webpLossless: "image/webp",
	webpExtended: "image/webp",
	gif: "image/gif",
	avif: "image/avif",
};

describe("POST /v1/admin/products/:id/images: dimensions come from the bytes", () => {
	it.each(Object.keys(CONTENT_TYPE) as FixtureName[])(
		"records the displayed size of a real %s, 1 round trip",
		async (name) => {
			const p = await product();
			const res = await upload(p.id, IMAGE_FIXTURES[name], CONTENT_TYPE[name]);
			expect(res.status).toBe(201);
			expect(dbRoundTrips(res)).toBe(1);
			const image = (await res.json()) as Image;
			expect(image).toMatchObject(
				name === "jpegRotated"
					? { width: 2, height: 3 }
					: { width: 3, height: 2 },
			);
			expect(image.url).toBe(`${IMAGE_BASE}/${image.key}`);
		},
	);

	it("refuses client-declared dimensions (400) instead of trusting them", async () => {
		const p = await product();
		const res = await upload(
			p.id,
			PNG_1X1,
			"image/png",
			"?width=100000&height=100000",
		);
		await expectError(res, 400, "VALIDATION_FAILED");
	});

	it("answers 400 INVALID_IMAGE for a truncated or corrupt header, storing nothing", async () => {
		const p = await product();
		for (const [bytes, type] of [
			[PNG_1X1.subarray(0, 20), "image/png"],
			[IMAGE_FIXTURES.jpeg.subarray(0, 100), "image/jpeg"],
			[IMAGE_FIXTURES.webpLossy.subarray(0, 24), "image/webp"],
			[IMAGE_FIXTURES.avif.subarray(0, 40), "image/avif"],
			[IMAGE_FIXTURES.gif.subarray(0, 8), "image/gif"],
			[pngOfSize(100, 0, 480), "image/png"],
		] as const) {
			const res = await upload(p.id, bytes, type);
			expect(
				(await expectError(res, 400, "INVALID_IMAGE")).details,
			).toMatchObject({ type });
		}
		const view = (await (await admin(`/v1/admin/products/${p.id}`)).json()) as {
			images: unknown[];
		};
		expect(view.images).toEqual([]);
	});

	it("answers 413 IMAGE_TOO_LARGE past 16384 px a side or 50 Mpx, before anything reaches R2", async () => {
		const p = await product();
		for (const [width, height] of [
			[16_385, 10],
			[10, 100_000],
			[10_000, 6_000],
			[100_000, 100_000],
		]) {
			const bytes = pngOfSize(256, width, height);
			const error = await expectError(
				await upload(p.id, bytes, "image/png"),
				413,
				"IMAGE_TOO_LARGE",
			);
			expect(error.details).toEqual({
				width,
				height,
				maxSide: 16_384,
				maxPixels: 50_000_000,
			});
		}
		expect(
			(await upload(p.id, pngOfSize(256, 16_384, 3_000), "image/png")).status,
		).toBe(201);
	});
});

describe("image URLs are absolute and carry their size everywhere", () => {
	it("admin upload, admin patch, admin product, card, detail, cart line and order line", async () => {
		const p = await freshProduct([{ price: 1500, onHand: 5 }]);
		const uploaded = await upload(
			p.id,
			IMAGE_FIXTURES.webpLossless,
			"image/webp",
		);
		const image = (await uploaded.json()) as Image;
		const expected = {
			url: `${IMAGE_BASE}/${image.key}`,
			width: 3,
			height: 2,
		};
		expect(image).toMatchObject(expected);
		expect(
			await (
				await admin(`/v1/admin/images/${image.id}`, patch({ alt: "Side" }))
			).json(),
		).toMatchObject({ ...expected, alt: "Side" });
		const adminView = (await (
			await admin(`/v1/admin/products/${p.id}`)
		).json()) as { images: unknown[] };
		expect(adminView.images).toEqual([expect.objectContaining(expected)]);

		const card = (await listPage(`q=${encodeURIComponent(p.name)}`)).data.find(
			(c) => c.id === p.id,
		);
		expect(card?.image).toMatchObject(expected);
		const detail = (await (await call(`/v1/products/${p.slug}`)).json()) as {
			images: unknown[];
		};
		expect(detail.images).toEqual([expect.objectContaining(expected)]);

		const variantId = p.variants[0]?.id ?? "";
		const cart = await newGuestCart(variantId, 1);
		expect(cart.items[0]?.image).toEqual({ ...expected, alt: "Side" });

		const placed = await checkout(
			{ cartToken: cart.cartToken },
			{ email: uniqueEmail("img") },
		);
		expect(placed.status).toBe(201);
		const { order, orderToken } = (await placed.json()) as Placed;
		expect(order.items[0]?.image).toEqual({ ...expected, alt: "Side" });

		// The order line keeps its size after the catalog image is gone.
		await admin(`/v1/admin/images/${image.id}`, { method: "DELETE" });
		const read = await call(`/v1/orders/${order.id}`, {
			headers: { "X-Order-Token": orderToken ?? "" },
		});
		expect(((await read.json()) as Placed["order"]).items[0]?.image).toEqual(
			expected,
		);
	});
});

describe("parallel uploads to one gallery", () => {
	it("get distinct, gapless positions (the database decides)", async () => {
		const p = await product();
		const n = 8;
		const responses = await Promise.all(
			Array.from({ length: n }, () =>
				upload(p.id, pngOfSize(128), "image/png"),
			),
		);
		expect(responses.map((r) => r.status)).toEqual(Array(n).fill(201));
		const positions = await Promise.all(
			responses.map(async (r) => ((await r.json()) as Image).position),
		);
		expect(positions.sort((a, b) => a - b)).toEqual(
			Array.from({ length: n }, (_, i) => i),
		);
	});
});
