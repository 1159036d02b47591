import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { addresses, users } from "../../db/schema";
import { uuidv7 } from "../../lib/ids";
import { type PublicUser, publicUserColumns } from "../auth/auth.service";
import type { OrderSummary } from "../orders/orders.schemas";
import { recentOrders, recentOrdersQuery } from "../orders/orders.service";

/**
 * The profile and the customer's most recent orders, in ONE round trip (one batch). Undefined
 * when the account no longer exists.
 */
export async function getProfileWithRecentOrders(
	db: Db,
	params: { userId: string },
): Promise<(PublicUser & { recentOrders: OrderSummary[] }) | undefined> {
	const [[user], recent] = await db.batch([
		db.select(publicUserColumns).from(users).where(eq(users.id, params.userId)),
		recentOrdersQuery(db, params.userId),
	]);
	return user && { ...user, recentOrders: recentOrders(recent.rows) };
}

export async function updateProfile(
	db: Db,
	params: { userId: string; name: string },
): Promise<PublicUser | undefined> {
	const [user] = await db
		.update(users)
		.set({ name: params.name, updatedAt: sql`now()` })
		.where(eq(users.id, params.userId))
		.returning(publicUserColumns);
	return user;
}

export type Address = typeof addresses.$inferSelect;
type AddressInput = Omit<
	typeof addresses.$inferInsert,
	"id" | "userId" | "createdAt" | "updatedAt"
>;

export function listAddresses(db: Db, params: { userId: string }) {
	return db
		.select()
		.from(addresses)
		.where(eq(addresses.userId, params.userId))
		.orderBy(desc(addresses.id));
}

export async function createAddress(
	db: Db,
	params: { userId: string; address: AddressInput },
): Promise<Address> {
	const [row] = await db
		.insert(addresses)
		.values({ ...params.address, id: uuidv7(), userId: params.userId })
		.returning();
	if (!row) throw new Error("insert returned no address");
	return row;
}

/** Undefined when the address does not exist or belongs to someone else (same answer: 404). */
export async function updateAddress(
	db: Db,
	params: { userId: string; id: string; changes: Partial<AddressInput> },
): Promise<Address | undefined> {
	const [row] = await db
		.update(addresses)
		.set({ ...params.changes, updatedAt: sql`now()` })
		.where(
			and(eq(addresses.id, params.id), eq(addresses.userId, params.userId)),
		)
		.returning();
	return row;
}

export async function deleteAddress(
	db: Db,
	params: { userId: string; id: string },
): Promise<boolean> {
	const rows = await db
		.delete(addresses)
		.where(
			and(eq(addresses.id, params.id), eq(addresses.userId, params.userId)),
		)
		.returning({ id: addresses.id });
	return rows.length > 0;
}
