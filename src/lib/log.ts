type Level = "debug" | "info" | "warn" | "error";

/** One JSON object per line, so Workers Logs can index every field. */
export function log(
	level: Level,
	msg: string,
	fields: Record<string, unknown> = {},
): void {
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
