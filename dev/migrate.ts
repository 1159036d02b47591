/**
 * Applies drizzle/ migrations in one transaction over the Neon WebSocket protocol: against the
 * local stack's relay (when given a wsProxy) or, with a real Neon URL, against Neon itself.
 *
 *   npm run db:migrate                     # the local dev stack (ports from .dev.vars / env)
 *   DATABASE_URL=postgres://… npm run db:migrate -- --neon   # a Neon branch
 */
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/neon-serverless";
import { migrate as drizzleMigrate } from "drizzle-orm/neon-serverless/migrator";
import { type DbTarget, openPool, scriptTarget } from "./neon-pool";

export const MIGRATIONS_FOLDER = fileURLToPath(
	new URL("../drizzle", import.meta.url),
);

export async function migrate(target: DbTarget): Promise<void> {
	const pool = openPool(target);
	try {
		await drizzleMigrate(drizzle({ client: pool }), {
			migrationsFolder: MIGRATIONS_FOLDER,
		});
	} finally {
		await pool.end();
	}
}

async function main(): Promise<void> {
	await migrate(scriptTarget(process.argv.includes("--neon")));
	console.log("migrations applied");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	main().catch((err: unknown) => {
		console.error(err instanceof Error ? err.message : err);
		process.exit(1);
	});
}
