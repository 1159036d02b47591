/** Byte encodings, one implementation each (Web APIs only, so Node dev scripts can use them too). */

type Bytes = Uint8Array<ArrayBuffer>;

/** Lower-case hex, two digits a byte. */
export function toHex(bytes: Uint8Array | ArrayBuffer): string {
	return Array.from(new Uint8Array(bytes), (b) =>
		b.toString(16).padStart(2, "0"),
	).join("");
}

/** Standard base64, padded. */
export function toBase64(bytes: Uint8Array): string {
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary);
}

/** Throws on anything that is not base64. */
export function fromBase64(text: string): Bytes {
	return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** base64url (RFC 4648 §5) without padding: safe in URLs, cookies and headers as is. */
export function toBase64Url(bytes: Uint8Array): string {
	return toBase64(bytes)
		.replaceAll("+", "-")
		.replaceAll("/", "_")
		.replace(/=+$/, "");
}

/** Throws on anything that is not unpadded base64url. */
export function fromBase64Url(text: string): Bytes {
	if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
	return fromBase64(text.replaceAll("-", "+").replaceAll("_", "/"));
}
