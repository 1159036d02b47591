import { COMMON_PASSWORDS } from "./common-passwords";

/** Words specific to this service that attackers try first (NIST 800-63B "context-specific"). */
const CONTEXT_WORDS = ["voidshop", "void shop"];

/**
 * NIST 800-63B: length is checked by the request schema (8–128, no composition rules); here a
 * password is refused when it is a commonly used one, names this service, or is the account's
 * own email or its local part. Returns the reason, or undefined when the password is acceptable.
 */
export function weakPasswordReason(
	password: string,
	email?: string,
): string | undefined {
	const candidate = password.normalize("NFKC").toLowerCase();
	if (COMMON_PASSWORDS.has(candidate))
		return "This password is too common; choose another";
	if (CONTEXT_WORDS.some((w) => candidate.includes(w)))
		return "The password must not contain the name of this service";
	if (email) {
		const lower = email.trim().toLowerCase();
		const local = lower.split("@")[0] ?? lower;
		if (candidate === lower || candidate === local)
			return "The password must not be your email address";
	}
	return undefined;
}
