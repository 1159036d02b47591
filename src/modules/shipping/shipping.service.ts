import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { shippingMethods } from "../../db/schema";
import { ApiError, conflict, PG, pgError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";

export interface ShippingMethodInput {
	code: string;
	name: string;
	price: number;
	currency: string;
	freeOver?: number | null;
	active?: boolean;
	position?: number;
}

export type ShippingMethodPatch = Partial<Omit<ShippingMethodInput, "code">>;

const publicColumns = {
	code: shippingMethods.code,
	name: shippingMethods.name,
	price: shippingMethods.price,
	currency: shippingMethods.currency,
	freeOver: shippingMethods.freeOver,
};

const adminColumns = {
	id: shippingMethods.id,
	...publicColumns,
	active: shippingMethods.active,
	position: shippingMethods.position,
	createdAt: shippingMethods.createdAt,
	updatedAt: shippingMethods.updatedAt,
};

const byPosition = [asc(shippingMethods.position), asc(shippingMethods.code)];

/** What customers can choose from, in display order. One round trip. */
export function listActiveShippingMethods(db: Db) {
	return db
		.select(publicColumns)
		.from(shippingMethods)
		.where(eq(shippingMethods.active, true))
		.orderBy(...byPosition);
}

/** Every method, inactive ones included, for the admin. One round trip. */
export function listAllShippingMethods(db: Db) {
	return db
		.select(adminColumns)
		.from(shippingMethods)
		.orderBy(...byPosition);
}

/** The unique index decides: a taken code is a 409 naming it, even between concurrent creates. */
function codeTaken(err: unknown, code: string): unknown {
	const pg = pgError(err);
	return pg?.code === PG.UNIQUE_VIOLATION &&
		pg.constraint === "shipping_methods_code_key"
		? conflict("Another shipping method already uses that code", {
				field: "code",
				value: code,
			})
		: err;
}

export async function createShippingMethod(db: Db, input: ShippingMethodInput) {
	try {
		const [row] = await db
			.insert(shippingMethods)
			.values({ id: uuidv7(), ...input })
			.returning(adminColumns);
		if (!row) throw new Error("insert returned no shipping method");
		return row;
	} catch (err) {
		throw codeTaken(err, input.code);
	}
}

export async function updateShippingMethod(
	db: Db,
	code: string,
	patch: ShippingMethodPatch,
) {
	const [row] = await db
		.update(shippingMethods)
		.set({ ...patch, updatedAt: sql`now()` })
		.where(eq(shippingMethods.code, code))
		.returning(adminColumns);
	if (!row) throw new ApiError("NOT_FOUND", "Shipping method not found");
	return row;
}

/** Orders keep their own snapshot of the method, so deleting one never touches past orders. */
export async function deleteShippingMethod(db: Db, code: string) {
	const rows = await db
		.delete(shippingMethods)
		.where(eq(shippingMethods.code, code))
		.returning({ id: shippingMethods.id });
	if (!rows[0]) throw new ApiError("NOT_FOUND", "Shipping method not found");
}
