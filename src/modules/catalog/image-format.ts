export const IMAGE_TYPES = {
	"image/jpeg": "jpg",
	"image/png": "png",
	"image/webp": "webp",
	"image/avif": "avif",
} as const;
export type ImageType = keyof typeof IMAGE_TYPES;

const ascii = (b: Uint8Array, at: number, text: string) =>
	[...text].every((ch, i) => b[at + i] === ch.charCodeAt(0));

/** The image type the bytes really are (magic numbers), whatever the client declared. */
export function sniffImageType(b: Uint8Array): ImageType | undefined {
	if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
	if (ascii(b, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
	if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return "image/webp";
	if (ascii(b, 4, "ftyp") && (ascii(b, 8, "avif") || ascii(b, 8, "avis")))
		return "image/avif";
	return undefined;
}

const u16be = (b: Uint8Array, at: number) =>
	((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number) =>
	(b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number) =>
	u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number) =>
	u16be(b, at) * 0x10000 + u16be(b, at + 2);

interface Dimensions {
	width: number;
	height: number;
}

function jpegSize(b: Uint8Array): Dimensions | undefined {
	let at = 2;
	while (at + 9 < b.length) {
		if (b[at] !== 0xff) return undefined;
		const marker = b[at + 1] ?? 0;
		const isFrame =
			marker >= 0xc0 &&
			marker <= 0xcf &&
			marker !== 0xc4 &&
			marker !== 0xc8 &&
			marker !== 0xcc;
		if (isFrame) return { height: u16be(b, at + 5), width: u16be(b, at + 7) };
		at += 2 + u16be(b, at + 2);
	}
	return undefined;
}

function webpSize(b: Uint8Array): Dimensions | undefined {
	if (ascii(b, 12, "VP8 "))
		return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
	if (ascii(b, 12, "VP8L")) {
		const bits =
			(b[21] ?? 0) |
			((b[22] ?? 0) << 8) |
			((b[23] ?? 0) << 16) |
			((b[24] ?? 0) << 24);
		return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
	}
	if (ascii(b, 12, "VP8X"))
		return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
	return undefined;
}

function avifSize(b: Uint8Array): Dimensions | undefined {
	const end = Math.min(b.length - 16, 64 * 1024);
	for (let at = 0; at < end; at++)
		if (ascii(b, at, "ispe"))
			return { width: u32be(b, at + 8), height: u32be(b, at + 12) };
	return undefined;
}

/** Width and height from the header, when the format is one we can read without decoding. */
export function imageDimensions(
	type: ImageType,
	b: Uint8Array,
): Dimensions | undefined {
	const size =
		type === "image/png"
			? { width: u32be(b, 16), height: u32be(b, 20) }
			: type === "image/jpeg"
				? jpegSize(b)
				: type === "image/webp"
					? webpSize(b)
					: avifSize(b);
	const sane = (n: number) => Number.isInteger(n) && n > 0 && n <= 100_000;
	return size && sane(size.width) && sane(size.height) ? size : undefined;
}
