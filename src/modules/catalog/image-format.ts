/*
 * Image type and dimensions read from the bytes themselves, never from what the client says.
 *
 * Hand-written on purpose: `image-size` 2.1 (the common library, Workers-compatible) scans a
 * JPEG byte by byte allocating a hex string per step — 1.5 s of CPU on a hostile 5 MB upload in
 * Node — and reads only SOF0–SOF2. Every reader here walks the format's own structure (segments,
 * chunks, boxes), checks each offset against the length before reading, and gives up (undefined)
 * on anything it cannot follow, so a truncated or hostile header costs microseconds and never
 * throws.
 */

export const IMAGE_TYPES = {
	"image/jpeg": "jpg",
	"image/png": "png",
	"image/webp": "webp",
	"image/avif": "avif",
	"image/gif": "gif",
} as const;
export type ImageType = keyof typeof IMAGE_TYPES;

/** Bounds on what a storefront will be asked to decode. */
export const MAX_IMAGE_SIDE = 16_384;
export const MAX_IMAGE_PIXELS = 50_000_000;

function ascii(b: Uint8Array, at: number, text: string): boolean {
	if (at < 0 || at + text.length > b.length) return false;
	for (let i = 0; i < text.length; i++)
		if (b[at + i] !== text.charCodeAt(i)) return false;
	return true;
}

/** The image type the bytes really are (magic numbers), whatever the client declared. */
export function sniffImageType(b: Uint8Array): ImageType | undefined {
	if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
	if (ascii(b, 0, "\x89PNG\r\n\x1a\n")) return "image/png";
	if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return "image/webp";
	if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return "image/gif";
	if (ascii(b, 4, "ftyp") && (ascii(b, 8, "avif") || ascii(b, 8, "avis")))
		return "image/avif";
	return undefined;
}

export interface Dimensions {
	width: number;
	height: number;
}

/** Readers that answer undefined past the end instead of reading garbage. */
const u8 = (b: Uint8Array, at: number) =>
	at >= 0 && at < b.length ? (b[at] as number) : undefined;
function u16be(b: Uint8Array, at: number) {
	const hi = u8(b, at);
	const lo = u8(b, at + 1);
	return hi === undefined || lo === undefined ? undefined : (hi << 8) | lo;
}
function u16le(b: Uint8Array, at: number) {
	const v = u16be(b, at);
	return v === undefined ? undefined : ((v & 0xff) << 8) | (v >> 8);
}
function u24le(b: Uint8Array, at: number) {
	const lo = u16le(b, at);
	const hi = u8(b, at + 2);
	return lo === undefined || hi === undefined ? undefined : lo + hi * 0x10000;
}
function u32be(b: Uint8Array, at: number) {
	const hi = u16be(b, at);
	const lo = u16be(b, at + 2);
	return hi === undefined || lo === undefined ? undefined : hi * 0x10000 + lo;
}
const size = (
	width: number | undefined,
	height: number | undefined,
): Dimensions | undefined =>
	width === undefined || height === undefined ? undefined : { width, height };

/** PNG: the IHDR chunk must come first; width and height are its first two fields. */
function pngSize(b: Uint8Array) {
	if (!ascii(b, 12, "IHDR") || u32be(b, 8) !== 13) return undefined;
	return size(u32be(b, 16), u32be(b, 20));
}

/** GIF: the logical screen descriptor right after the signature. */
const gifSize = (b: Uint8Array) => size(u16le(b, 6), u16le(b, 8));

// Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
const isStartOfFrame = (m: number) =>
	m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
// Markers without a length: TEM, RST0–7, SOI, EOI.
const isStandalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd9);

/**
 * JPEG: walk the marker segments (each jump is the segment's own length, so the walk takes one
 * step per segment, not per byte) to the first start-of-frame; EXIF orientations 5–8 (rotated a
 * quarter turn, which browsers apply) swap width and height, so the answer is what is displayed.
 */
function jpegSize(b: Uint8Array) {
	let at = 2;
	let orientation: number | undefined;
	// Real files have a few dozen segments before the frame (an ICC profile splits into at most
	// 255); a file of millions of empty segments is refused rather than walked.
	for (let segments = 0; at < b.length && segments < 1024; segments++) {
		if (b[at] !== 0xff) return undefined;
		while (b[at] === 0xff) at++; // fill bytes may precede a marker
		const marker = u8(b, at);
		if (marker === undefined) return undefined;
		at++;
		if (isStandalone(marker)) continue;
		const length = u16be(b, at);
		if (length === undefined || length < 2) return undefined;
		if (isStartOfFrame(marker)) {
			const frame = size(u16be(b, at + 5), u16be(b, at + 3));
			if (!frame) return undefined;
			return orientation !== undefined && orientation >= 5 && orientation <= 8
				? { width: frame.height, height: frame.width }
				: frame;
		}
		if (marker === 0xe1 && orientation === undefined)
			orientation = exifOrientation(b, at + 2, at + length);
		at += length;
	}
	return undefined;
}

/** The EXIF orientation tag (0x0112) of IFD0 in an APP1 segment's bytes [start, end). */
function exifOrientation(
	b: Uint8Array,
	start: number,
	end: number,
): number | undefined {
	if (!ascii(b, start, "Exif\0\0")) return undefined;
	const tiff = start + 6;
	const little = ascii(b, tiff, "II");
	if (!little && !ascii(b, tiff, "MM")) return undefined;
	const r16 = (at: number) =>
		at + 2 <= end ? (little ? u16le(b, at) : u16be(b, at)) : undefined;
	const r32 = (at: number) => {
		const a = r16(at);
		const c = r16(at + 2);
		if (a === undefined || c === undefined) return undefined;
		return little ? c * 0x10000 + a : a * 0x10000 + c;
	};
	const ifdOffset = r32(tiff + 4);
	if (ifdOffset === undefined) return undefined;
	const ifd = tiff + ifdOffset;
	const entries = r16(ifd);
	if (entries === undefined) return undefined;
	for (let i = 0; i < entries; i++) {
		const entry = ifd + 2 + i * 12;
		const tag = r16(entry);
		if (tag === undefined) return undefined;
		if (tag === 0x0112) return r16(entry + 8);
	}
	return undefined;
}

/** WebP: the first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended, canvas size). */
function webpSize(b: Uint8Array) {
	if (ascii(b, 12, "VP8 ")) {
		// frame tag (3 bytes), then the key frame start code 9d 01 2a, then 14-bit sizes
		if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
		const w = u16le(b, 26);
		const h = u16le(b, 28);
		return size(
			w === undefined ? w : w & 0x3fff,
			h === undefined ? h : h & 0x3fff,
		);
	}
	if (ascii(b, 12, "VP8L")) {
		if (b[20] !== 0x2f || b.length < 25) return undefined;
		const bits =
			(b[21] as number) +
			(b[22] as number) * 0x100 +
			(b[23] as number) * 0x10000 +
			(b[24] as number) * 0x1000000;
		return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
	}
	if (ascii(b, 12, "VP8X")) {
		const w = u24le(b, 24);
		const h = u24le(b, 27);
		return size(w === undefined ? w : w + 1, h === undefined ? h : h + 1);
	}
	return undefined;
}

/** ISO-BMFF boxes directly inside [start, end): `visit(type, contentStart, boxEnd)`. */
function eachBox(
	b: Uint8Array,
	start: number,
	end: number,
	visit: (type: string, content: number, boxEnd: number) => void,
) {
	let at = start;
	while (at + 8 <= end) {
		const boxSize = u32be(b, at);
		if (boxSize === undefined || boxSize < 8 || at + boxSize > end) return;
		visit(
			String.fromCharCode(...b.subarray(at + 4, at + 8)),
			at + 8,
			at + boxSize,
		);
		at += boxSize;
	}
}

/**
 * AVIF: meta → iprp → ipco → ispe (image spatial extents). A grid image also lists its tiles'
 * extents; the largest is the whole picture.
 */
function avifSize(b: Uint8Array) {
	let best: Dimensions | undefined;
	const boxes = (start: number, end: number, path: string[]) =>
		eachBox(b, start, end, (type, content, boxEnd) => {
			if (type !== path[0]) return;
			if (path.length > 1)
				// meta is a full box: version and flags come before its children
				boxes(type === "meta" ? content + 4 : content, boxEnd, path.slice(1));
			else {
				const found = size(u32be(b, content + 4), u32be(b, content + 8));
				if (
					found &&
					content + 12 <= boxEnd &&
					(!best || found.width * found.height > best.width * best.height)
				)
					best = found;
			}
		});
	boxes(0, b.length, ["meta", "iprp", "ipco", "ispe"]);
	return best;
}

const READERS: Record<ImageType, (b: Uint8Array) => Dimensions | undefined> = {
	"image/png": pngSize,
	"image/jpeg": jpegSize,
	"image/webp": webpSize,
	"image/gif": gifSize,
	"image/avif": avifSize,
};

/**
 * Width and height as displayed, from the header; undefined when the header cannot be read
 * (truncated, corrupt) or says zero.
 */
export function imageDimensions(
	type: ImageType,
	b: Uint8Array,
): Dimensions | undefined {
	const found = READERS[type](b);
	return found && found.width > 0 && found.height > 0 ? found : undefined;
}

/** Whether a storefront can be asked to decode this many pixels. */
export const withinImageBounds = ({ width, height }: Dimensions) =>
	width <= MAX_IMAGE_SIDE &&
	height <= MAX_IMAGE_SIDE &&
	width * height <= MAX_IMAGE_PIXELS;
