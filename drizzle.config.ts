import { defineConfig } from "drizzle-kit";

// `db:generate` needs no database; `db:migrate` is dev/migrate.ts (local stack or Neon).
export default defineConfig({
	dialect: "postgresql",
	schema: "./src/db/schema/index.ts",
	out: "./drizzle",
	casing: "snake_case",
	strict: true,
	verbose: true,
});
