/**
 * Users for local development and the admin:create command. Passwords are hashed with the very
 * module the Worker uses (src/modules/auth/password.ts), so Node and the Worker agree on hashes.
 */
import { neonConfig, Pool } from "@neondatabase/serverless";
import ws from "ws";
import { uuidv7 } from "../src/lib/ids";
import { hashPassword } from "../src/modules/auth/password";

/** The demo accounts `seedUsers` creates (also listed in the README). Never for production. */
export const DEMO_USERS = [
	{
		email: "admin@voidshop.localhost",
		password: "demo-admin-passphrase",
		name: "Demo Admin",
		role: "admin",
	},
	{
		email: "customer@voidshop.localhost",
		password: "demo-customer-passphrase",
		name: "Demo Customer",
		role: "customer",
	},
] as const;

/**
 * A Neon Pool over WebSocket: through the local stack's relay when `wsProxy` (host:port/v2) is
 * given, else straight to Neon — the same wiring as dev/migrate.ts.
 */
export function openPool(connectionString: string, wsProxy?: string): Pool {
	neonConfig.webSocketConstructor = ws;
	if (wsProxy) {
		neonConfig.wsProxy = wsProxy;
		neonConfig.useSecureWebSocket = false;
		neonConfig.pipelineConnect = false;
		neonConfig.pipelineTLS = false;
	}
	return new Pool({ connectionString, max: 1 });
}

/** Creates the demo admin and customer when missing; existing accounts are left as they are. */
export async function seedUsers(
	connectionString: string,
	wsProxy?: string,
): Promise<void> {
	const pool = openPool(connectionString, wsProxy);
	try {
		for (const user of DEMO_USERS) {
			await pool.query(
				`insert into users (id, email, name, password_hash, role)
				 values ($1, $2, $3, $4, $5)
				 on conflict ((lower(email))) do nothing`,
				[
					uuidv7(),
					user.email,
					user.name,
					await hashPassword(user.password),
					user.role,
				],
			);
		}
	} finally {
		await pool.end();
	}
}
