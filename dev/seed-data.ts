/** The demo catalog's vocabulary and deterministic building blocks: PRNG, ids, slugs, PNGs. */
import { crc32, deflateSync } from "node:zlib";

export const TREE: Record<string, string[]> = {
	Apparel: ["T-Shirts", "Hoodies", "Jackets", "Trousers", "Socks"],
	Footwear: ["Sneakers", "Boots", "Sandals"],
	Home: ["Mugs", "Cushions", "Blankets", "Candles"],
	Outdoors: ["Backpacks", "Bottles", "Tents"],
};
export const SIZED = new Set([
	"T-Shirts",
	"Hoodies",
	"Jackets",
	"Trousers",
	"Socks",
	"Sneakers",
	"Boots",
	"Sandals",
]);
export const ADJECTIVES = [
	"Classic",
	"Everyday",
	"Organic",
	"Vintage",
	"Heavyweight",
	"Lightweight",
	"Recycled",
	"Merino",
	"Waxed",
	"Ribbed",
	"Coastal",
	"Alpine",
	"Urban",
	"Field",
	"Studio",
	"Harbor",
];
export const COLOURS: Record<string, [number, number, number]> = {
	Black: [20, 20, 20],
	White: [240, 240, 240],
	Navy: [20, 40, 90],
	Red: [190, 30, 40],
	Olive: [100, 110, 50],
	Sand: [210, 190, 150],
	Grey: [130, 130, 135],
	Teal: [20, 130, 130],
};
export const SIZES = ["XS", "S", "M", "L", "XL"];

/** mulberry32: tiny, fast, and the same catalog on every machine. */
export function prng(seed: number) {
	let a = seed >>> 0;
	const next = () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
	return {
		next,
		int: (min: number, max: number) =>
			min + Math.floor(next() * (max - min + 1)),
		pick: <T>(items: readonly T[]): T =>
			items[Math.floor(next() * items.length)] as T,
	};
}

/** Deterministic UUIDv7-shaped ids (time-ordered by `ms`) so reseeding gives the same ids. */
export function seededUuid(rand: ReturnType<typeof prng>, ms: number): string {
	const hex = ms.toString(16).padStart(12, "0");
	const r = Array.from({ length: 20 }, () => rand.int(0, 15).toString(16)).join(
		"",
	);
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${r.slice(0, 3)}-${"89ab"[rand.int(0, 3)]}${r.slice(3, 6)}-${r.slice(6, 18)}`;
}

export const slugify = (s: string) =>
	s
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, "-")
		.replace(/^-|-$/g, "");

function pngChunk(type: string, data: Uint8Array): Buffer {
	const out = Buffer.alloc(12 + data.length);
	out.writeUInt32BE(data.length, 0);
	out.write(type, 4, "ascii");
	out.set(data, 8);
	out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
	return out;
}

/** A real 64×64 RGB PNG: a diagonal blend of two colours (unique per product). */
export function generatePng(
	from: number[],
	to: number[],
	size = 64,
): Uint8Array {
	const raw = Buffer.alloc(size * (1 + size * 3));
	for (let y = 0; y < size; y++) {
		const row = y * (1 + size * 3);
		for (let x = 0; x < size; x++) {
			const t = (x + y) / (2 * size - 2);
			for (let ch = 0; ch < 3; ch++)
				raw[row + 1 + x * 3 + ch] = Math.round(
					(from[ch] ?? 0) * (1 - t) + (to[ch] ?? 0) * t,
				);
		}
	}
	const ihdr = Buffer.alloc(13);
	ihdr.writeUInt32BE(size, 0);
	ihdr.writeUInt32BE(size, 4);
	ihdr.set([8, 2, 0, 0, 0], 8);
	return Buffer.concat([
		Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
		pngChunk("IHDR", ihdr),
		pngChunk("IDAT", deflateSync(raw)),
		pngChunk("IEND", new Uint8Array(0)),
	]);
}
