import type { Redis } from "@upstash/redis/cloudflare";
import type { Config } from "../env";
import { withDeadline } from "./deadline";
import { DEPENDENCY_RETRY_AFTER_SECONDS } from "./dependency-errors";
import { ApiError } from "./errors";
import { ACCESS_TOKEN_TTL_SECONDS } from "./jwt";

/**
 * Access tokens are verified without the database, so on their own they live out their 15
 * minutes after the user signs out everywhere, changes or resets the password, is disabled or
 * demoted. Each of those events sets a per-user marker in Redis: "every access token of this user
 * issued at or before this millisecond is revoked". Guarded routes (admin, and writes that change
 * an account, money or orders; see middleware/auth.ts) compare the token's `iat` with it.
 */

/** Clock skew between isolates the marker also covers, beyond the token lifetime. */
const SKEW_SECONDS = 60;
/** The marker outlives every token it revokes (issued at or before it, so expiring by then + TTL). */
export const REVOCATION_MARKER_TTL_SECONDS =
	ACCESS_TOKEN_TTL_SECONDS + SKEW_SECONDS;

const markerKey = (userId: string) => `voidshop:revoked-before:${userId}`;

/**
 * Sets the marker unless a later one is already there, atomically: two revocations of one user
 * racing (logout-all in one tab, a password change in another) may reach Redis in either order,
 * and a plain SET from the earlier, slower one would move the marker back and let tokens issued
 * between the two live on.
 */
const RAISE_MARKER = `local current = tonumber(redis.call('GET', KEYS[1]))
if current and current >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

interface RevocationDeps {
	redis: Redis;
	config: Config;
}

/** 503 when the marker cannot be read (fail-closed routes) or set (every revoking event). */
export const revocationUnavailable = () =>
	new ApiError(
		"DEPENDENCY_UNAVAILABLE",
		"A service this request depends on is unavailable; try again shortly",
		undefined,
		{ "Retry-After": String(DEPENDENCY_RETRY_AFTER_SECONDS) },
	);

/**
 * Revokes every access token of `userId` issued up to now. Called BEFORE the event's database
 * change: when Redis cannot take the marker (error, or slower than REDIS_TIMEOUT_MS) this throws
 * 503 DEPENDENCY_UNAVAILABLE and nothing has changed, so the event never happens with its old
 * tokens left working. A marker set for an event whose database change then fails costs the
 * user a token refresh, nothing more. Returns the marker (epoch ms).
 */
export async function revokeAccessTokens(
	{ redis, config }: RevocationDeps,
	userId: string,
): Promise<number> {
	const at = Date.now();
	try {
		await withDeadline(
			redis.eval(
				RAISE_MARKER,
				[markerKey(userId)],
				[at, REVOCATION_MARKER_TTL_SECONDS],
			),
			config.REDIS_TIMEOUT_MS,
			"redis deadline",
		);
	} catch {
		throw revocationUnavailable();
	}
	return at;
}

/**
 * The user's marker (epoch ms), or undefined when none is live. Throws when Redis fails or takes
 * longer than REDIS_TIMEOUT_MS; the caller decides whether that fails open or closed.
 */
export async function revokedBefore(
	{ redis, config }: RevocationDeps,
	userId: string,
): Promise<number | undefined> {
	const value = await withDeadline(
		redis.get<number | string>(markerKey(userId)),
		config.REDIS_TIMEOUT_MS,
		"redis deadline",
	);
	if (value === null || value === undefined) return undefined;
	const at = Number(value);
	if (!Number.isFinite(at)) throw new Error("malformed revocation marker");
	return at;
}

/** A token issued in the same millisecond as the event counts as revoked (the strict side). */
export function isRevoked(
	issuedAtMs: number,
	marker: number | undefined,
): boolean {
	return marker !== undefined && issuedAtMs <= marker;
}
