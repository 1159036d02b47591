import { type SQL, sql } from "drizzle-orm";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { orders } from "../../db/schema";
import { sha256Hex, TOKEN_PATTERN } from "../../lib/tokens";

/** Header a guest sends with the order access token they got when placing the order. */
export const ORDER_TOKEN_HEADER = "X-Order-Token";

/**
 * Who may see an order: the signed-in customer who placed it, or a guest holding its access
 * token (only its SHA-256 is stored). Anyone else gets 404, never 403: existence is not revealed.
 */
export type OrderReader =
	| { kind: "user"; userId: string }
	| { kind: "guest"; tokenHash: string }
	| { kind: "nobody" };

/**
 * The reader of this request: a bearer token's user (optionalAuth must have run), else a
 * well-formed `X-Order-Token`. A malformed token is `nobody`, unhashed.
 */
export async function orderReader(c: Context<AppEnv>): Promise<OrderReader> {
	const user = c.var.user;
	if (user) return { kind: "user", userId: user.id };
	const token = c.req.header(ORDER_TOKEN_HEADER);
	if (token === undefined || !TOKEN_PATTERN.test(token))
		return { kind: "nobody" };
	return { kind: "guest", tokenHash: await sha256Hex(token) };
}

/** The reader's orders, as a predicate on the `orders` table (`false` for nobody). */
export function readableBy(reader: OrderReader): SQL {
	switch (reader.kind) {
		case "user":
			return sql`${orders.userId} = ${reader.userId}::uuid`;
		case "guest":
			return sql`${orders.accessTokenHash} = ${reader.tokenHash}`;
		case "nobody":
			return sql`false`;
	}
}
