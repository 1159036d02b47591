/**
 * Creates an admin, or promotes an existing account to admin.
 *
 *   npm run admin:create -- --email ops@example.com --password '…' [--name 'Ops']   # local stack
 *   DATABASE_URL=postgres://… npm run admin:create -- --neon --email … --password …  # a Neon branch
 *
 * An existing account (email compared case-insensitively) keeps its password and is promoted
 * (and re-enabled); a new one needs --password, which must pass the same policy as sign-up.
 * The new role reaches tokens at the next refresh (access tokens live 15 minutes).
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { uuidv7 } from "../src/lib/ids";
import { hashPassword } from "../src/modules/auth/password";
import { weakPasswordReason } from "../src/modules/auth/password-policy";
import { openPool, scriptTarget } from "./neon-pool";

export async function createAdmin(opts: {
	connectionString: string;
	wsProxy?: string;
	email: string;
	password?: string;
	name?: string;
}): Promise<"created" | "promoted"> {
	const email = opts.email.trim();
	const pool = openPool(opts);
	try {
		const promoted = await pool.query(
			`update users set role = 'admin', disabled_at = null, updated_at = now()
			 where lower(email) = lower($1) returning id`,
			[email],
		);
		if (promoted.rowCount) return "promoted";
		if (!opts.password)
			throw new Error(`no account for ${email}; pass --password to create one`);
		if (opts.password.length < 8 || opts.password.length > 128)
			throw new Error("the password must be 8 to 128 characters long");
		const weak = weakPasswordReason(opts.password, email);
		if (weak) throw new Error(weak);
		await pool.query(
			`insert into users (id, email, name, password_hash, role)
			 values ($1, $2, $3, $4, 'admin')`,
			[
				uuidv7(),
				email,
				opts.name?.trim() || "Administrator",
				await hashPassword(opts.password),
			],
		);
		return "created";
	} finally {
		await pool.end();
	}
}

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			email: { type: "string" },
			password: { type: "string" },
			name: { type: "string" },
			neon: { type: "boolean", default: false },
		},
	});
	if (!values.email)
		throw new Error(
			"usage: npm run admin:create -- --email <email> [--password <password>] [--name <name>] [--neon]",
		);
	const outcome = await createAdmin({
		...scriptTarget(values.neon ?? false),
		email: values.email,
		password: values.password,
		name: values.name,
	});
	console.log(`${values.email}: ${outcome} as admin`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	main().catch((err: unknown) => {
		console.error(err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
