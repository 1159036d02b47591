import type { Services } from "./services";

/** What the auth middleware learns from a verified access token (no database involved). */
export interface AuthUser {
	id: string;
	role: "customer" | "admin";
	/** The session (refresh-token family) the token was minted for, when it came from one. */
	sessionId?: string;
	/** When the token was issued (`iat`, in epoch ms), compared with the user's revocation marker. */
	issuedAtMs: number;
}

export type AppEnv = {
	Bindings: Env;
	Variables: {
		requestId: string;
		/** Built once per request by requestContext(); see createServices. */
		services: Services;
		user?: AuthUser;
		/** A well-formed Idempotency-Key header, on routes that take one (middleware/idempotency). */
		idempotencyKey?: string;
	};
};
