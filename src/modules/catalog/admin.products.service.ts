import { eq, sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import {
	cartItems,
	images,
	inventoryLedger,
	orderItems,
	productOptions,
	products,
	variants,
} from "../../db/schema";
import { ApiError, conflict } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { imageUrl } from "../../lib/image-url";
import {
	type AuditActor,
	auditedChange,
	auditedUpdate,
	auditSql,
} from "../admin/audit.queries";
import {
	canonicalOptions,
	type ProductOption,
	refreshPriceRangeSql,
	withNewValues,
} from "./admin.variant-options";
import { stillReferencedBy, translateWriteErrors } from "./admin.write-errors";
import { queueImageDeletionsSql } from "./image-cleanup.jobs";
import {
	type DetailRow,
	priceRange,
	productDetailSql,
} from "./product-detail.queries";

export interface VariantInput {
	sku: string;
	price: number;
	compareAtPrice?: number | null;
	options?: Record<string, string>;
	status?: "active" | "archived";
	position?: number;
	onHand?: number;
}

interface ProductInput {
	slug: string;
	name: string;
	description?: string;
	status?: "draft" | "active" | "archived";
	categoryId: string;
	tags?: string[];
	currency: string;
	options?: ProductOption[];
	variants: VariantInput[];
}

type ProductPatch = Partial<Omit<ProductInput, "options" | "variants">>;

/** The admin view of a product: any status, stock figures, variant statuses. */
export function adminProduct(p: DetailRow) {
	return {
		id: p.id,
		slug: p.slug,
		name: p.name,
		description: p.description,
		status: p.status,
		tags: p.tags,
		currency: p.currency,
		price: priceRange(p),
		category: p.category,
		breadcrumb: p.breadcrumb,
		options: p.options,
		variants: p.variants,
		images: p.images.map((i) => ({ ...i, url: imageUrl(i.key) })),
		createdAt: p.created_at,
		updatedAt: p.updated_at,
	};
}

export const detail = (db: Db, id: string) =>
	db.execute<DetailRow>(productDetailSql(id, false));

/** The initial stock of new variants, as ledger rows (the ledger explains every unit). */
export function initialStockLedger(
	rows: { id: string; onHand: number }[],
	actorId: string | undefined,
) {
	return rows
		.filter((r) => r.onHand > 0)
		.map((r) => ({
			id: uuidv7(),
			variantId: r.id,
			delta: r.onHand,
			onHandAfter: r.onHand,
			reason: "initial stock",
			actorId: actorId ?? null,
		}));
}

/**
 * Creates a product with its options, variants, initial-stock ledger rows and audit row
 * (`product.create`) atomically, and reads it back, all in one db.batch (one round trip, one
 * transaction).
 */
export async function createProduct(
	db: Db,
	params: { product: ProductInput },
	who: AuditActor,
) {
	const { product: input } = params;
	const productId = uuidv7();
	const declared = input.options ?? [];
	const variantRows = input.variants.map((v, i) => ({
		id: uuidv7(),
		productId,
		sku: v.sku,
		options: canonicalOptions(declared, v.options, `variants.${i}.options`),
		price: v.price,
		compareAtPrice: v.compareAtPrice ?? null,
		currency: input.currency,
		onHand: v.onHand ?? 0,
		status: v.status ?? "active",
		position: v.position ?? i,
	}));
	const options = withNewValues(
		declared,
		variantRows.map((v) => v.options),
	);
	const ledger = initialStockLedger(variantRows, who.actorId);
	const { options: _o, variants: _v, ...product } = input;
	const { read } = await translateWriteErrors(
		batch(db, {
			product: db.insert(products).values({ ...product, id: productId }),
			options:
				options.length > 0
					? db.insert(productOptions).values(
							options.map((o, position) => ({
								id: uuidv7(),
								productId,
								name: o.name,
								position,
								values: o.values,
							})),
						)
					: undefined,
			variants: db.insert(variants).values(variantRows),
			ledger:
				ledger.length > 0
					? db.insert(inventoryLedger).values(ledger)
					: undefined,
			priceRange: refreshPriceRangeSql(sql`${productId}::uuid`).map((q) =>
				db.execute(q),
			),
			audit: db.execute(
				auditSql(who, {
					action: "product.create",
					targetId: productId,
					after: {
						slug: input.slug,
						name: input.name,
						status: input.status,
						categoryId: input.categoryId,
						currency: input.currency,
						options,
						variants: variantRows.map((v) => ({
							id: v.id,
							sku: v.sku,
							price: v.price,
							onHand: v.onHand,
						})),
					},
				}),
			),
			read: detail(db, productId),
		}),
	);
	const created = read.rows[0];
	if (!created) throw new Error("created product not read back");
	return adminProduct(created);
}

export async function getAdminProduct(db: Db, params: { id: string }) {
	const { rows } = await detail(db, params.id);
	if (!rows[0]) throw new ApiError("NOT_FOUND", "Product not found");
	return adminProduct(rows[0]);
}

/** Updates product fields, audited (`product.update`), and reads the product back in one batch. */
export async function updateProduct(
	db: Db,
	params: { id: string; changes: ProductPatch },
	who: AuditActor,
) {
	const { id, changes } = params;
	// Prices are integers in the product's currency: changing it would re-label every price,
	// including those already copied into carts and orders. Checked in the update itself.
	const currencyMayChange =
		changes.currency === undefined
			? undefined
			: sql`(${products.currency} = ${changes.currency}
				or (not exists (select 1 from ${cartItems} ci join ${variants} v on v.id = ci.variant_id
						where v.product_id = ${id}::uuid)
					and not exists (select 1 from ${orderItems} oi where oi.product_id = ${id}::uuid)))`;
	const { updated, read } = await translateWriteErrors(
		batch(db, {
			updated: auditedUpdate(
				db,
				products,
				{
					set: { ...changes, updatedAt: sql`now()` },
					row: eq(products.id, id),
					where: currencyMayChange,
					selection: { id: products.id },
				},
				who,
				{ action: "product.update", targetId: id, after: changes },
			),
			read: detail(db, id),
		}),
	);
	const row = read.rows[0];
	if (!row) throw new ApiError("NOT_FOUND", "Product not found");
	if (!updated[0])
		throw conflict(
			"The product's currency cannot change while its variants are in carts or orders; create a new product for the new currency",
			{
				field: "currency",
				value: changes.currency,
				reason: "in_carts_or_orders",
			},
		);
	return adminProduct(row);
}

/**
 * Deletes a product (options, variants, images and ledger go with it); its images' R2 objects
 * are queued for the cleanup job in the same statement. A product something still references
 * with a restricting key (orders, cart lines) is archived instead, its images kept. Either way
 * the statement that does it writes the audit row (`product.delete`): `before` the deleted
 * product, or `after` `{status: "archived"}`.
 */
export async function deleteProduct(
	db: Db,
	params: { id: string },
	who: AuditActor,
): Promise<"deleted" | "archived"> {
	const { id } = params;
	try {
		const { rows } = await db.execute<{ id: string }>(sql`
			with del as (delete from ${products} where id = ${id}::uuid returning id, slug, name, status),
			gone as (select i.id, i.key from ${images} i, del where i.product_id = del.id),
			${queueImageDeletionsSql("gone")},
			audit as (${auditSql(who, {
				action: "product.delete",
				targetId: id,
				before: sql`json_build_object('slug', del.slug, 'name', del.name, 'status', del.status)`,
				from: sql`del`,
			})})
			select id from del`);
		if (!rows[0]) throw new ApiError("NOT_FOUND", "Product not found");
		return "deleted";
	} catch (err) {
		if (!stillReferencedBy(err)) throw err;
		await auditedChange(
			db,
			db
				.update(products)
				.set({ status: "archived", updatedAt: sql`now()` })
				.where(eq(products.id, id))
				.returning({ id: products.id }),
			{ id: products.id },
			who,
			{
				action: "product.delete",
				targetId: id,
				after: { status: "archived" },
			},
		);
		return "archived";
	}
}
