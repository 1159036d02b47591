import { z } from "@hono/zod-openapi";

/** The largest value of a Postgres `integer` column. */
export const MAX_INT4 = 2 ** 31 - 1;

/** A non-negative integer given as a query string (no signs, decimals or exponents). */
export const uintParam = (max = MAX_INT4) =>
	z
		.string()
		.regex(/^\d{1,10}$/, "must be a non-negative integer")
		.transform(Number)
		.pipe(z.number().int().min(0).max(max));

/** Text that Postgres can store: NUL characters are dropped (text columns reject them). */
export const safeText = (max: number) =>
	z
		.string()
		.max(max)
		.transform((s) => s.replaceAll("\u0000", ""));
