type Level = "debug" | "info" | "warn" | "error";

const RANK: Record<Level, number> = {
	debug: 10,
	info: 20,
	warn: 30,
	error: 40,
};
let threshold = RANK.info;

/** Set from the validated LOG_LEVEL of the isolate's config. */
export function setLogLevel(level: Level): void {
	threshold = RANK[level];
}

/**
 * Drizzle's "Failed query" errors list the query's parameters (emails, token hashes, addresses)
 * after `params:`; that part never reaches a log line, whichever way the error was stringified.
 */
const QUERY_PARAMS = /\nparams: [\s\S]*?(?=\n {4}at |$)/g;

export function redactQueryParams(text: string): string {
	return text.includes("\nparams: ")
		? text.replace(QUERY_PARAMS, "\nparams: [redacted]")
		: text;
}

/** Redacts query parameters in every string of a log line's fields (nested up to a few levels). */
function scrub(value: unknown, depth = 0): unknown {
	if (typeof value === "string") return redactQueryParams(value);
	if (depth > 3 || value === null || typeof value !== "object") return value;
	if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
	if (value instanceof Date) return value;
	return Object.fromEntries(
		Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]),
	);
}

/** One JSON object per line, so Workers Logs can index every field. */
export function log(
	level: Level,
	msg: string,
	fields: Record<string, unknown> = {},
): void {
	if (RANK[level] < threshold) return;
	const line = JSON.stringify({
		time: new Date().toISOString(),
		level,
		msg,
		...(scrub(fields) as Record<string, unknown>),
	});
	if (level === "error") console.error(line);
	else if (level === "warn") console.warn(line);
	else console.log(line);
}
