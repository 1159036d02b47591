import { errors, jwtVerify, SignJWT } from "jose";
import type { AuthUser } from "../app-env";
import type { Config } from "../env";
import { ApiError } from "./errors";

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ALG = "HS256";

const keys = new WeakMap<Config, Uint8Array>();
function key(config: Config): Uint8Array {
	let k = keys.get(config);
	if (!k) {
		k = new TextEncoder().encode(config.JWT_SECRET);
		keys.set(config, k);
	}
	return k;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A 15-minute HS256 access token: `sub`, `role`, `sid` (session), `iss`, `aud`, `iat`, `exp`.
 * `iat` carries milliseconds (a NumericDate may be fractional, RFC 7519 §2) so a token minted
 * just after a revocation event is told apart from one minted just before it (lib/revocation.ts).
 */
export function signAccessToken(
	config: Config,
	user: Pick<AuthUser, "id" | "role" | "sessionId">,
	nowMs = Date.now(),
): Promise<string> {
	const claims = user.sessionId
		? { role: user.role, sid: user.sessionId }
		: { role: user.role };
	return new SignJWT(claims)
		.setProtectedHeader({ alg: ALG, typ: "JWT" })
		.setSubject(user.id)
		.setIssuer(config.JWT_ISSUER)
		.setAudience(config.JWT_AUDIENCE)
		.setIssuedAt(nowMs / 1000)
		.setExpirationTime(Math.floor(nowMs / 1000) + ACCESS_TOKEN_TTL_SECONDS)
		.sign(key(config));
}

const unauthenticated = (message: string) =>
	new ApiError("UNAUTHENTICATED", message, undefined, {
		"WWW-Authenticate": 'Bearer realm="voidshop"',
	});

/**
 * Verifies signature, algorithm (pinned: `alg: none` and others are refused), issuer, audience
 * and expiry, without touching the database.
 */
export async function verifyAccessToken(
	config: Config,
	token: string,
): Promise<AuthUser> {
	try {
		const { payload } = await jwtVerify(token, key(config), {
			algorithms: [ALG],
			issuer: config.JWT_ISSUER,
			audience: config.JWT_AUDIENCE,
			requiredClaims: ["sub", "exp", "iat"],
		});
		const role = payload.role;
		// Subjects are user ids (UUIDs); anything else would reach uuid columns and fail there.
		if (
			typeof payload.sub !== "string" ||
			!UUID.test(payload.sub) ||
			(typeof payload.sid !== "string" && payload.sid !== undefined) ||
			(typeof payload.sid === "string" && !UUID.test(payload.sid)) ||
			(role !== "customer" && role !== "admin")
		) {
			throw unauthenticated("Invalid access token");
		}
		const issuedAtMs = Math.round((payload.iat as number) * 1000);
		return typeof payload.sid === "string"
			? { id: payload.sub, role, sessionId: payload.sid, issuedAtMs }
			: { id: payload.sub, role, issuedAtMs };
	} catch (err) {
		if (err instanceof ApiError) throw err;
		if (err instanceof errors.JWTExpired)
			throw unauthenticated("Access token expired");
		throw unauthenticated("Invalid access token");
	}
}
