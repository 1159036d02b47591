/** Opaque secrets (refresh, password-reset and guest-cart tokens): 256 random bits, base64url, no padding. */
export function randomToken(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(32));
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary)
		.replace(/\+/g, "-")
		.replace(/\//g, "_")
		.replace(/=+$/, "");
}

/** What the database keeps instead of a token: its SHA-256, hex. A leaked table grants nothing. */
export async function sha256Hex(value: string): Promise<string> {
	const digest = await crypto.subtle.digest(
		"SHA-256",
		new TextEncoder().encode(value),
	);
	return Array.from(new Uint8Array(digest), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
}

/** A token we issued is exactly 43 base64url characters; anything else is rejected unhashed. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
