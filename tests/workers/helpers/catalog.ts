import { expect } from "vitest";
import { bearer, signToken } from "./auth";
import { call, json } from "./http";

export const unique = () => crypto.randomUUID().slice(0, 8);

/** Headers of a fresh admin (a valid access token, no database involved). */
export async function asAdmin(): Promise<Record<string, string>> {
	return bearer(await signToken({ role: "admin" }));
}

/** Calls an admin endpoint as a fresh admin. */
export async function admin(
	path: string,
	init: RequestInit = {},
): Promise<Response> {
	return call(path, {
		...init,
		headers: {
			...(await asAdmin()),
			...(init.headers as Record<string, string> | undefined),
		},
	});
}

export const post = (body: unknown) => json(body);
export const patch = (body: unknown) => json(body, { method: "PATCH" });

export async function createCategory(
	overrides: { slug?: string; name?: string; parentId?: string } = {},
) {
	const slug = overrides.slug ?? `cat-${unique()}`;
	const res = await admin(
		"/v1/admin/categories",
		post({ slug, name: overrides.name ?? `Category ${slug}`, ...overrides }),
	);
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string; slug: string; name: string };
}

export interface VariantSpec {
	sku?: string;
	price: number;
	compareAtPrice?: number;
	onHand?: number;
	options?: Record<string, string>;
}

export interface Product {
	id: string;
	slug: string;
	name: string;
	status: string;
	variants: {
		id: string;
		sku: string;
		price: number;
		onHand: number;
		reserved: number;
		options: Record<string, string>;
	}[];
	options: { name: string; values: string[] }[];
}

export async function createProduct(
	categoryId: string,
	overrides: {
		slug?: string;
		name?: string;
		description?: string;
		status?: "draft" | "active" | "archived";
		tags?: string[];
		options?: { name: string; values: string[] }[];
		variants?: VariantSpec[];
	} = {},
): Promise<Product> {
	const tag = unique();
	const res = await admin(
		"/v1/admin/products",
		post({
			slug: overrides.slug ?? `p-${tag}`,
			name: overrides.name ?? `Product ${tag}`,
			description: overrides.description ?? "A test product",
			status: overrides.status ?? "active",
			categoryId,
			currency: "EUR",
			tags: overrides.tags,
			options: overrides.options,
			variants: (overrides.variants ?? [{ price: 1000, onHand: 10 }]).map(
				(v, i) => ({ sku: v.sku ?? `SKU-${tag}-${i}`, ...v }),
			),
		}),
	);
	if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
	return (await res.json()) as Product;
}

interface Page {
	data: {
		id: string;
		slug: string;
		name: string;
		price: { min: number; max: number; currency: string };
		inStock: boolean;
		compareAtPrice: { min: number; max: number; currency: string } | null;
		onSale: boolean;
		image: { url: string } | null;
	}[];
	nextCursor: string | null;
}

export async function listPage(query: string): Promise<Page> {
	const res = await call(`/v1/products?${query}`);
	if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
	return (await res.json()) as Page;
}

/** The cache put happens in waitUntil; wait until the entry is served from cache. */
export async function untilCached(path: string): Promise<Response> {
	for (let attempt = 0; attempt < 50; attempt++) {
		const res = await call(path);
		if (res.headers.get("Server-Timing")?.includes('cache;desc="hit"'))
			return res;
		await res.arrayBuffer();
		await new Promise((r) => setTimeout(r, 20));
	}
	throw new Error(`${path} never came from the cache`);
}

/** An image as the admin image routes answer with it. */
export interface UploadedImage {
	id: string;
	key: string;
	url: string;
	alt: string;
	width: number | null;
	height: number | null;
	position: number;
}

/** Uploads `body` as a product image (raw body), as a fresh admin. */
export function uploadImage(
	productId: string,
	body: Uint8Array,
	contentType: string,
	query = "",
) {
	return admin(`/v1/admin/products/${productId}/images${query}`, {
		method: "POST",
		headers: { "Content-Type": contentType },
		body,
	});
}

/** A fresh active product in a fresh category. */
export async function someProduct() {
	const category = await createCategory();
	return createProduct(category.id);
}

/** A real 1×1 PNG (67 bytes). */
export const PNG_1X1 = Uint8Array.from(
	atob(
		"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
	),
	(ch) => ch.charCodeAt(0),
);

/** A PNG-signed payload of `size` bytes with a w×h IHDR (dimension parsing only). */
export function pngOfSize(size: number, width = 640, height = 480): Uint8Array {
	const bytes = new Uint8Array(size);
	bytes.set(PNG_1X1.subarray(0, 16));
	new DataView(bytes.buffer).setUint32(16, width);
	new DataView(bytes.buffer).setUint32(20, height);
	bytes.set(crypto.getRandomValues(new Uint8Array(32)), 32);
	return bytes;
}
