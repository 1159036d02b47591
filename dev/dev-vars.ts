import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
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
	return parseEnv(readFileSync(DEV_VARS, "utf8"));
}
