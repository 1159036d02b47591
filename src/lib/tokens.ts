import { toBase64Url, toHex } from "./encoding";

/** Opaque secrets (refresh, password-reset and guest-cart tokens): 256 random bits, base64url, no padding. */
export function randomToken(): string {
	return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** What the database keeps instead of a token: its SHA-256, hex. A leaked table grants nothing. */
export async function sha256Hex(value: string): Promise<string> {
	return toHex(
		await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value)),
	);
}

/**
 * The successor of a rotated refresh token: HMAC-SHA256(secret, "refresh-successor:" + token),
 * base64url. Deterministic so that, within the reuse grace window, presenting the just-rotated
 * token again yields the same successor without storing it; unguessable without the secret.
 */
export async function successorToken(
	secret: string,
	presented: string,
): Promise<string> {
	const encoder = new TextEncoder();
	const key = await crypto.subtle.importKey(
		"raw",
		encoder.encode(secret),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	const mac = await crypto.subtle.sign(
		"HMAC",
		key,
		encoder.encode(`refresh-successor:${presented}`),
	);
	return toBase64Url(new Uint8Array(mac));
}

/** A token we issued is exactly 43 base64url characters; anything else is rejected unhashed. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
