import { env } from "cloudflare:workers";
import { createDb } from "../../../src/db/client";
import { loadConfig } from "../../../src/env";
import { DbMeter } from "../../../src/lib/timing";

/** Direct access to the test database, for arranging and inspecting state. */
export function testDb() {
	return createDb(loadConfig(env), new DbMeter());
}
