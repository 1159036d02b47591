import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { shippingMethods } from "../../db/schema";
import { ApiError, conflict, PG, pgError } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import {
	type AuditActor,
	auditedChange,
	auditedUpdate,
} from "../admin/audit.queries";

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

/**
 * Audit rows name a shipping method by its code (permanent, and what the API addresses it by),
 * written in the statement of each change: `after` what it set, `before` what a delete removed.
 */
export async function createShippingMethod(
	db: Db,
	input: ShippingMethodInput,
	who: AuditActor,
) {
	try {
		const [row] = await auditedChange(
			db,
			db
				.insert(shippingMethods)
				.values({ id: uuidv7(), ...input })
				.returning(adminColumns),
			adminColumns,
			who,
			{
				action: "shipping_method.create",
				targetId: input.code,
				after: input,
			},
		);
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
	who: AuditActor,
) {
	const [row] = await auditedUpdate(
		db,
		shippingMethods,
		{
			set: { ...patch, updatedAt: sql`now()` },
			row: eq(shippingMethods.code, code),
			selection: adminColumns,
		},
		who,
		{ action: "shipping_method.update", targetId: code, after: patch },
	);
	if (!row) throw new ApiError("NOT_FOUND", "Shipping method not found");
	return row;
}

/** Orders keep their own snapshot of the method, so deleting one never touches past orders. */
export async function deleteShippingMethod(
	db: Db,
	code: string,
	who: AuditActor,
) {
	const gone = {
		id: shippingMethods.id,
		name: shippingMethods.name,
		price: shippingMethods.price,
		currency: shippingMethods.currency,
		freeOver: shippingMethods.freeOver,
		active: shippingMethods.active,
	};
	const rows = await auditedChange(
		db,
		db
			.delete(shippingMethods)
			.where(eq(shippingMethods.code, code))
			.returning(gone),
		gone,
		who,
		{
			action: "shipping_method.delete",
			targetId: code,
			before: sql`json_build_object('id', changed.id, 'name', changed.name, 'price', changed.price,
				'currency', changed.currency, 'freeOver', changed.free_over, 'active', changed.active)`,
		},
	);
	if (!rows[0]) throw new ApiError("NOT_FOUND", "Shipping method not found");
}
