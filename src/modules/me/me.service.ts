import { and, desc, eq, lt, sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { addresses, users } from "../../db/schema";
import { ApiError, accountGone } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { decodeKeyset, keysetPage } from "../../lib/keyset-cursor";
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

/** Most addresses one account may keep (a 51st is 409 ADDRESS_LIMIT). */
export const MAX_ADDRESSES = 50;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const idKeyset = (value: unknown) => {
	const k = value as { id?: unknown } | null;
	return k && typeof k.id === "string" && UUID.test(k.id)
		? { id: k.id }
		: undefined;
};

/**
 * A page of the user's addresses, newest first (ids are UUIDv7, so id order is creation order),
 * keyset-paged on the id: one round trip.
 */
export async function listAddresses(
	db: Db,
	params: { userId: string; limit: number; cursor?: string },
): Promise<{ data: Address[]; nextCursor: string | null }> {
	const after = params.cursor
		? decodeKeyset(params.cursor, idKeyset)
		: undefined;
	const rows = await db
		.select()
		.from(addresses)
		.where(
			and(
				eq(addresses.userId, params.userId),
				after ? lt(addresses.id, after.id) : undefined,
			),
		)
		.orderBy(desc(addresses.id))
		.limit(params.limit + 1);
	const page = keysetPage(rows, params.limit, (last) => ({ id: last.id }));
	return { data: page.rows, nextCursor: page.nextCursor };
}

/**
 * Saves an address in one round trip (one transactional batch): the owner's row is locked first
 * (`for no key update`: only this account's address writes queue behind it), so the count in the
 * conditional insert sees every committed address and concurrent saves cannot pass the cap.
 * 401 when the account no longer exists, 409 ADDRESS_LIMIT at MAX_ADDRESSES.
 */
export async function createAddress(
	db: Db,
	params: { userId: string; address: AddressInput },
): Promise<Address> {
	const id = uuidv7();
	const a = params.address;
	const { owner, row } = await batch(db, {
		owner: db.execute<{ id: string }>(
			sql`select id from ${users} where id = ${params.userId}::uuid for no key update`,
		),
		insert: db.execute(sql`
			insert into ${addresses} (id, user_id, name, line1, line2, city, region, postal_code, country, phone)
			select ${id}::uuid, u.id, ${a.name}, ${a.line1}, ${a.line2 ?? null}, ${a.city},
				${a.region ?? null}, ${a.postalCode}, ${a.country}, ${a.phone ?? null}
			from ${users} u
			where u.id = ${params.userId}::uuid
				and (select count(*) from ${addresses} where user_id = u.id) < ${MAX_ADDRESSES}`),
		row: db.select().from(addresses).where(eq(addresses.id, id)),
	});
	if (owner.rows.length === 0) throw accountGone();
	const [created] = row;
	if (!created)
		throw new ApiError(
			"ADDRESS_LIMIT",
			`An account keeps at most ${MAX_ADDRESSES} addresses; delete one first`,
			{ max: MAX_ADDRESSES },
		);
	return created;
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
