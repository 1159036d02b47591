import { pgError } from "./errors";

/** How long a client should wait before retrying after a dependency failure, in seconds. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/**
 * SQLSTATEs that mean the database is not there to answer, not that the query was wrong:
 * connection exceptions (08…), insufficient resources (53…), operator intervention (57P01–57P05:
 * shutdown, cannot connect now, database dropped) and a database that does not exist (3D000).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53...|57P0[1-5]|3D000)$/;

/**
 * Neon's proxy reports an unreachable or suspended compute in words rather than a SQLSTATE
 * ("endpoint is unavailable / disabled", "couldn't connect to compute node", control plane
 * failures); the driver reports a failed fetch as "Error connecting to database" and a proxy 5xx as
 * "Server error (HTTP status 5xx)".
 */
const UNAVAILABLE_MESSAGE =
	/^Error connecting to database|^Server error \(HTTP status 5\d\d\)|endpoint (is |has been )?(unavailable|disabled|suspended|not found)|compute (node|endpoint)|control plane|too many connections|connection (refused|reset|terminated|closed)|network connection lost|ECONNREFUSED|ECONNRESET/i;

/**
 * True when `err` (or an error it wraps, e.g. Drizzle's around the driver's) is a dependency
 * outage — refused or reset connections, deadlines (AbortSignal.timeout), the database or its
 * proxy unavailable — rather than a bug. The error handler answers these 503.
 */
export function isDependencyFailure(err: unknown): boolean {
	const pg = pgError(err);
	if (pg && UNAVAILABLE_SQLSTATE.test(pg.code)) return true;
	for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
		if (e instanceof Error || (typeof e === "object" && e !== null)) {
			const { name, message } = e as { name?: unknown; message?: unknown };
			if (name === "TimeoutError" || name === "AbortError") return true;
			// Drizzle's wrapper carries the query and its parameters, which callers control.
			if (
				typeof message === "string" &&
				!message.startsWith("Failed query") &&
				UNAVAILABLE_MESSAGE.test(message)
			)
				return true;
			const next =
				"sourceError" in e && e.sourceError
					? e.sourceError
					: "cause" in e
						? e.cause
						: undefined;
			e = next;
		} else return false;
	}
	return false;
}
