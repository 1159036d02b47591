import type { SQL } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { ApiError, conflict, validationFailed } from "../../lib/errors";
import type { AuditActor } from "../admin/audit.queries";
import {
	lockProductSql,
	type OptionVerdict,
	removeOptionSql,
	renameOptionSql,
	renameValueSql,
	reorderValuesSql,
} from "./admin.options.queries";
import { adminProduct, detail } from "./admin.products.service";
import { translateWriteErrors } from "./admin.write-errors";

/** What the refused change asked for, so a conflict can name the clashing value. */
interface Asked {
	name: string;
	to?: string;
}

function refused(v: OptionVerdict, asked: Asked): ApiError {
	switch (v.outcome) {
		case "not_found":
			return new ApiError("NOT_FOUND", "Option not found", { field: "name" });
		case "name_taken":
			return conflict("The product already has an option of that name", {
				field: "name",
				value: asked.to ?? asked.name,
			});
		case "value_not_found":
			return new ApiError("NOT_FOUND", "The option has no such value", {
				field: "from",
			});
		case "value_taken":
			return conflict("The option already has that value", {
				field: "to",
				value: asked.to ?? null,
			});
		case "not_a_permutation":
			return validationFailed(
				"values must list every value of the option exactly once",
				{
					path: "values",
					message: "must be a reordering of the current values",
					code: "custom",
				},
			);
		default:
			return conflict(
				"Variants differ by this option; remove or archive-and-delete them until one value is left",
				{ field: "options", value: v.used ?? [], reason: "in_use" },
			);
	}
}

/**
 * Runs one option change (lock the product, change and its audit row, read the product back: ONE
 * round trip) and answers the admin product view, or the change's refusal (nothing written).
 */
async function change(db: Db, productId: string, statement: SQL, asked: Asked) {
	const done = await translateWriteErrors(
		batch(db, {
			lock: db.execute(lockProductSql(productId)),
			change: db.execute<OptionVerdict>(statement),
			read: detail(db, productId),
		}),
	);
	const row = done.read.rows[0];
	if (!row) throw new ApiError("NOT_FOUND", "Product not found");
	const verdict = done.change.rows[0];
	if (!verdict) throw new Error("option statement returned no row");
	if (verdict.outcome !== "ok") throw refused(verdict, asked);
	return adminProduct(row);
}

/** `option.rename` */
export const renameOption = (
	db: Db,
	p: { productId: string; name: string; to: string },
	who: AuditActor,
) => change(db, p.productId, renameOptionSql(p, who), p);

/** `option.rename_value` */
export const renameOptionValue = (
	db: Db,
	p: { productId: string; name: string; from: string; to: string },
	who: AuditActor,
) => change(db, p.productId, renameValueSql(p, who), p);

/** `option.reorder_values` */
export const reorderOptionValues = (
	db: Db,
	p: { productId: string; name: string; values: string[] },
	who: AuditActor,
) => change(db, p.productId, reorderValuesSql(p, who), p);

/** `option.delete` */
export const removeOption = (
	db: Db,
	p: { productId: string; name: string },
	who: AuditActor,
) => change(db, p.productId, removeOptionSql(p, who), p);
