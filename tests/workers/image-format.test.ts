import { describe, expect, it } from "vitest";
import {
	type ImageType,
	imageDimensions,
	sniffImageType,
	withinImageBounds,
} from "../../src/modules/catalog/image-format";
import { type FixtureName, IMAGE_FIXTURES } from "./helpers/image-fixtures";

const TYPE_OF: Record<FixtureName, ImageType> = {
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

const read = (bytes: Uint8Array) => {
	const type = sniffImageType(bytes);
	return type && imageDimensions(type, bytes);
};

describe("image-format: type and dimensions from the bytes", () => {
	it.each(Object.keys(TYPE_OF) as FixtureName[])("reads a real %s", (name) => {
		const bytes = IMAGE_FIXTURES[name];
		expect(sniffImageType(bytes)).toBe(TYPE_OF[name]);
		// A quarter-turn EXIF orientation is applied by browsers: the displayed size is swapped.
		expect(read(bytes)).toEqual(
			name === "jpegRotated"
				? { width: 2, height: 3 }
				: { width: 3, height: 2 },
		);
	});

	it("never throws on any truncation of a real image, and reads nothing it cannot follow", () => {
		for (const [name, bytes] of Object.entries(IMAGE_FIXTURES))
			for (let length = 0; length < bytes.length; length++) {
				const found = read(bytes.subarray(0, length));
				if (found)
					expect(
						[found.width, found.height].sort(),
						`${name} cut at ${length}`,
					).toEqual([2, 3]);
			}
	});

	it("survives every single-byte corruption of every header without throwing", () => {
		for (const bytes of Object.values(IMAGE_FIXTURES))
			for (let at = 0; at < Math.min(bytes.length, 200); at++)
				for (const value of [0x00, 0x01, 0x7f, 0xff]) {
					const copy = bytes.slice();
					copy[at] = value;
					expect(() => read(copy)).not.toThrow();
				}
	});

	it("walks a hostile 5 MB JPEG in milliseconds, not seconds", () => {
		const N = 5 * 1024 * 1024;
		const cases = {
			// every byte a fill byte: one marker that never comes
			fill: new Uint8Array(N).fill(0xff),
			// APP1 segments of length 2 back to back: the most steps per byte
			tinySegments: new Uint8Array(N),
			zeros: new Uint8Array(N),
		};
		for (let at = 2; at + 4 <= N; at += 4)
			cases.tinySegments.set([0xff, 0xe1, 0x00, 0x02], at);
		for (const bytes of Object.values(cases)) {
			bytes.set([0xff, 0xd8, 0xff]);
			const started = performance.now();
			expect(imageDimensions("image/jpeg", bytes)).toBeUndefined();
			expect(performance.now() - started).toBeLessThan(250);
		}
	});

	it("refuses zero sizes, and corrupt structures that point outside the bytes", () => {
		const png = IMAGE_FIXTURES.png.slice();
		new DataView(png.buffer).setUint32(16, 0);
		expect(read(png)).toBeUndefined();
		// an AVIF box claiming to be larger than the file
		const avif = IMAGE_FIXTURES.avif.slice();
		new DataView(avif.buffer).setUint32(
			avif.findIndex((_, i) => avif[i + 4] === 0x6d && avif[i + 5] === 0x65),
			0xffffffff,
		);
		expect(read(avif)).toBeUndefined();
		// a JPEG frame header whose segment length is < 2
		const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0xff]);
		expect(read(jpeg)).toBeUndefined();
		// a lossy WebP without its key-frame start code
		const webp = IMAGE_FIXTURES.webpLossy.slice();
		webp[23] = 0;
		expect(read(webp)).toBeUndefined();
	});

	it("bounds sides and pixel count", () => {
		expect(withinImageBounds({ width: 16_384, height: 3000 })).toBe(true);
		expect(withinImageBounds({ width: 16_385, height: 1 })).toBe(false);
		expect(withinImageBounds({ width: 10_000, height: 5001 })).toBe(false);
		expect(withinImageBounds({ width: 10_000, height: 5000 })).toBe(true);
	});
});
