/**
 * Users for local development and the admin:create command. Passwords are hashed with the very
 * module the Worker uses (src/modules/auth/password.ts), so Node and the Worker agree on hashes.
 */
import { uuidv7 } from "../src/lib/ids";
import { hashPassword } from "../src/modules/auth/password";
import { type DbTarget, openPool } from "./neon-pool";

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

/** Creates the demo admin and customer when missing; existing accounts are left as they are. */
export async function seedUsers(target: DbTarget): Promise<void> {
	const pool = openPool(target);
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
