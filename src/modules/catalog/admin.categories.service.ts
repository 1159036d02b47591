import { eq, sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { categories, products } from "../../db/schema";
import { ApiError, conflict, validationFailed } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import {
	type AuditActor,
	auditedChange,
	auditedUpdate,
} from "../admin/audit.queries";
import {
	RESTRICTING,
	stillReferencedBy,
	translateWriteErrors,
} from "./admin.write-errors";

interface CategoryInput {
	slug: string;
	name: string;
	description?: string;
	parentId?: string | null;
	position?: number;
}

/** Serialises tree moves so two concurrent moves cannot build a cycle between them. */
const TREE_LOCK = sql`select pg_advisory_xact_lock(hashtext('catalog:categories'))`;

const columns = {
	id: categories.id,
	parentId: categories.parentId,
	slug: categories.slug,
	name: categories.name,
	description: categories.description,
	position: categories.position,
	createdAt: categories.createdAt,
	updatedAt: categories.updatedAt,
};

/** Creates a category, audited (`category.create`) in the same statement. */
export async function createCategory(
	db: Db,
	params: { category: CategoryInput },
	who: AuditActor,
) {
	const id = uuidv7();
	const [row] = await translateWriteErrors(
		auditedChange(
			db,
			db
				.insert(categories)
				.values({ id, ...params.category })
				.returning(columns),
			columns,
			who,
			{ action: "category.create", targetId: id, after: params.category },
		),
	);
	return row;
}

/**
 * Updates a category. A new parent must not be the category itself or one of its descendants
 * (409); the check and the update run in one transaction after the tree lock, one round trip.
 * Audited in the update's statement: `category.move` when the change names a parent (null: to
 * the root), else `category.update`; `after` holds the changes.
 */
export async function updateCategory(
	db: Db,
	params: { id: string; changes: Partial<CategoryInput> },
	who: AuditActor,
) {
	const { id, changes } = params;
	const { parentId } = changes;
	const notACycle = parentId
		? sql`not exists (
				with recursive subtree as (
					select id from ${categories} where id = ${id}
					union
					select c.id from ${categories} c join subtree s on c.parent_id = s.id
				)
				select 1 from subtree where id = ${parentId})`
		: sql`true`;
	const { updated, existing } = await translateWriteErrors(
		batch(db, {
			lock: db.execute(TREE_LOCK),
			updated: auditedUpdate(
				db,
				categories,
				{
					set: { ...changes, updatedAt: sql`now()` },
					row: eq(categories.id, id),
					where: notACycle,
					selection: columns,
				},
				who,
				{
					action: parentId === undefined ? "category.update" : "category.move",
					targetId: id,
					after: changes,
				},
			),
			existing: db
				.select({ id: categories.id })
				.from(categories)
				.where(eq(categories.id, id)),
		}),
	);
	if (updated[0]) return updated[0];
	if (!existing[0]) throw new ApiError("NOT_FOUND", "Category not found");
	throw conflict(
		"A category cannot move under itself or one of its descendants",
		{ field: "parentId", value: parentId, reason: "cycle" },
	);
}

/**
 * Deletes a category. With products it is a 409 unless `moveProductsTo` names where they go
 * (moved in the same transaction); with child categories it is a 409. The target is locked
 * (FOR KEY SHARE) by the statement that moves the products, so it cannot vanish under them: the
 * only foreign key this can break is the category's own, by what still references it. Audited
 * (`category.delete`) in the delete's statement: `before` is the deleted row, `after` names
 * where its products went.
 */
export async function deleteCategory(
	db: Db,
	params: { id: string; moveProductsTo?: string },
	who: AuditActor,
): Promise<void> {
	const { id, moveProductsTo } = params;
	if (moveProductsTo === id)
		throw validationFailed("moveProductsTo must be another category", {
			path: "moveProductsTo",
			message: "must be another category",
			code: "custom",
		});
	const target = moveProductsTo
		? sql`exists (select 1 from ${categories} where id = ${moveProductsTo} for key share)`
		: sql`true`;
	const gone = {
		id: categories.id,
		parentId: categories.parentId,
		slug: categories.slug,
		name: categories.name,
	};
	const remove = auditedChange(
		db,
		db
			.delete(categories)
			.where(sql`${categories.id} = ${id} and ${target}`)
			.returning(gone),
		gone,
		who,
		{
			action: "category.delete",
			targetId: id,
			before: sql`json_build_object('slug', changed.slug, 'name', changed.name, 'parentId', changed.parent_id)`,
			after: moveProductsTo ? { moveProductsTo } : undefined,
		},
	);
	let deleted: { id: string }[];
	try {
		if (moveProductsTo) {
			const { removed, check } = await batch(db, {
				moved: db
					.update(products)
					.set({ categoryId: moveProductsTo, updatedAt: sql`now()` })
					.where(sql`${products.categoryId} = ${id} and ${target}`),
				removed: remove,
				check: db.execute<{ ok: boolean }>(sql`select ${target} as ok`),
			});
			if (!check.rows[0]?.ok)
				throw new ApiError("NOT_FOUND", "moveProductsTo category not found", {
					field: "moveProductsTo",
				});
			deleted = removed;
		} else deleted = await remove;
	} catch (err) {
		const by = stillReferencedBy(err);
		if (by === RESTRICTING.childCategories)
			throw conflict(
				"The category has child categories; move or delete them first",
				{ field: "id", value: id, reason: "has_children" },
			);
		if (by === RESTRICTING.products)
			throw conflict(
				"The category has products; pass moveProductsTo to move them",
				{ field: "moveProductsTo", value: null, reason: "has_products" },
			);
		throw err;
	}
	if (!deleted[0]) throw new ApiError("NOT_FOUND", "Category not found");
}
