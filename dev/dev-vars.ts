import { randomBytes } from "node:crypto";
import {
	appendFileSync,
	existsSync,
	readFileSync,
	writeFileSync,
} from "node:fs";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

const root = fileURLToPath(new URL("..", import.meta.url));
export const DEV_VARS = `${root}.dev.vars`;
const EXAMPLE = `${root}.dev.vars.example`;

/** Local config: .dev.vars, created from .dev.vars.example on first use so setup needs no manual step. */
export function readDevVars(): Record<string, string | undefined> {
	if (!existsSync(DEV_VARS)) {
		const secret = randomBytes(48).toString("base64url");
		writeFileSync(
			DEV_VARS,
			readFileSync(EXAMPLE, "utf8").replace(
				/^JWT_SECRET=.*$/m,
				`JWT_SECRET=${secret}`,
			),
		);
		console.log(
			"created .dev.vars from .dev.vars.example (with a random JWT_SECRET)",
		);
	}
	const vars = parseEnv(readFileSync(DEV_VARS, "utf8"));
	// Variables added to the example since .dev.vars was made (e.g. Stripe) are appended, so an
	// existing checkout keeps working after a pull.
	const example = readFileSync(EXAMPLE, "utf8");
	const missing = example
		.split("\n")
		.filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
		.filter((line) => !(line.slice(0, line.indexOf("=")) in vars));
	if (missing.length > 0) {
		appendFileSync(
			DEV_VARS,
			`\n# Added from .dev.vars.example\n${missing.join("\n")}\n`,
		);
		console.log(
			`added to .dev.vars from .dev.vars.example: ${missing.map((l) => l.slice(0, l.indexOf("="))).join(", ")}`,
		);
		return parseEnv(readFileSync(DEV_VARS, "utf8"));
	}
	return vars;
}
