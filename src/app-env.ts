import type { Db } from "./db/client";
import type { Config } from "./env";
import type { DbMeter } from "./lib/timing";

/** What the auth middleware learns from a verified access token (no database involved). */
export interface AuthUser {
	id: string;
	role: "customer" | "admin";
	/** The session (refresh-token family) the token was minted for, when it came from one. */
	sessionId?: string;
}

export type AppEnv = {
	Bindings: Env;
	Variables: {
		requestId: string;
		config: Config;
		meter: DbMeter;
		db: Db;
		user?: AuthUser;
	};
};
