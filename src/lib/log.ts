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
		...fields,
	});
	if (level === "error") console.error(line);
	else if (level === "warn") console.warn(line);
	else console.log(line);
}
