import { and, eq, exists, sql } from "drizzle-orm";
import { batch } from "../../db/batch";
import type { Db } from "../../db/client";
import { images, products, variants } from "../../db/schema";
import { toHex } from "../../lib/encoding";
import { ApiError, validationFailed } from "../../lib/errors";
import { uuidv7 } from "../../lib/ids";
import { imageUrl } from "../../lib/image-url";
import {
	type AuditActor,
	auditedUpdate,
	auditSql,
} from "../admin/audit.queries";
import { queueImageDeletionsSql } from "./image-cleanup.jobs";
import {
	IMAGE_TYPES,
	type ImageType,
	imageDimensions,
	MAX_IMAGE_PIXELS,
	MAX_IMAGE_SIDE,
	sniffImageType,
	withinImageBounds,
} from "./image-format";

export const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

/** An upload's bytes, checked and described, ready to be recorded and stored. */
interface InspectedImage {
	key: string;
	contentType: ImageType;
	byteSize: number;
	width: number;
	height: number;
}

/**
 * Checks the bytes really are the declared type (magic numbers) and within the size limit, reads
 * the dimensions from the header (bounded: MAX_IMAGE_SIDE, MAX_IMAGE_PIXELS), and names the bytes
 * by their SHA-256 (content-addressed: the same image uploaded twice is one object).
 */
async function inspectImage(
	body: ArrayBuffer,
	declared: string | undefined,
): Promise<InspectedImage> {
	const type = declared?.split(";")[0]?.trim().toLowerCase() ?? "";
	if (!(type in IMAGE_TYPES))
		throw new ApiError(
			"UNSUPPORTED_MEDIA_TYPE",
			`Content-Type must be one of ${Object.keys(IMAGE_TYPES).join(", ")}`,
		);
	if (body.byteLength === 0)
		throw validationFailed("The image is empty", {
			path: "(root)",
			message: "the request body is empty",
			code: "too_small",
		});
	if (body.byteLength > MAX_IMAGE_BYTES)
		throw new ApiError(
			"PAYLOAD_TOO_LARGE",
			`Images are limited to ${MAX_IMAGE_BYTES} bytes`,
		);
	const bytes = new Uint8Array(body);
	const detected = sniffImageType(bytes);
	if (detected !== type)
		throw new ApiError(
			"UNSUPPORTED_MEDIA_TYPE",
			"The bytes are not the declared image type",
			{ declared: type, detected: detected ?? null },
		);
	const size = imageDimensions(detected, bytes);
	if (!size)
		throw new ApiError(
			"INVALID_IMAGE",
			"The image header is truncated or corrupt: its dimensions cannot be read",
			{ type: detected },
		);
	if (!withinImageBounds(size))
		throw new ApiError(
			"IMAGE_TOO_LARGE",
			`Images are limited to ${MAX_IMAGE_SIDE} pixels a side and ${MAX_IMAGE_PIXELS} pixels in all`,
			{ ...size, maxSide: MAX_IMAGE_SIDE, maxPixels: MAX_IMAGE_PIXELS },
		);
	return {
		key: `${toHex(await crypto.subtle.digest("SHA-256", body))}.${IMAGE_TYPES[detected]}`,
		contentType: detected,
		byteSize: body.byteLength,
		...size,
	};
}

export interface ImageRow extends Record<string, unknown> {
	id: string;
	productId: string;
	variantId: string | null;
	key: string;
	alt: string;
	position: number;
	width: number | null;
	height: number | null;
	contentType: string;
	byteSize: number;
}

/** An image row as the admin API shows it. */
const imageColumns = {
	id: images.id,
	productId: images.productId,
	variantId: images.variantId,
	key: images.key,
	alt: images.alt,
	position: images.position,
	width: images.width,
	height: images.height,
	contentType: images.contentType,
	byteSize: images.byteSize,
};
const RETURNING = sql`id, product_id as "productId", variant_id as "variantId", key, alt, position,
	width, height, content_type as "contentType", byte_size as "byteSize"`;

/** An image row as the admin API answers it: with its absolute URL. */
export const withUrl = (row: ImageRow) => ({ ...row, url: imageUrl(row.key) });

/**
 * Adds an uploaded image to a product's gallery (the variant, if given, must be the product's),
 * in one round trip. The order is the point: the bytes are checked first; the row is inserted
 * next, and that insert is the check that the product (and variant) exist, so a 404 never
 * writes to R2; only then are the bytes put in R2. If the put fails the row is deleted again. Until
 * the put completes (milliseconds), the row names an object not yet there.
 *
 * The gallery position is decided by the database: the batch first locks the product row, so
 * parallel uploads to one product queue there and each insert (a later statement, so a fresh
 * snapshot under READ COMMITTED) sees the positions the ones before it took. The deferred unique
 * constraint on (product_id, position) is the backstop.
 *
 * The insert writes the audit row (`image.upload`, `after` the image row) in its statement; if
 * the put fails, the statement that deletes the row deletes that audit row too.
 */
export async function uploadImage(
	db: Db,
	bucket: R2Bucket,
	params: {
		productId: string;
		body: ArrayBuffer;
		contentType: string | undefined;
		alt?: string;
		variantId?: string;
	},
	who: AuditActor,
): Promise<ImageRow> {
	const image = await inspectImage(params.body, params.contentType);
	const { productId, variantId } = params;
	const imageId = uuidv7();
	const variantCheck = variantId
		? sql`and exists (select 1 from ${variants} v where v.id = ${variantId}::uuid and v.product_id = p.id)`
		: sql``;
	const { inserted } = await batch(db, {
		lock: db.execute(
			sql`select 1 from ${products} where id = ${productId}::uuid for update`,
		),
		inserted: db.execute<ImageRow>(sql`with ins as (insert into ${images}
			(id, product_id, variant_id, key, alt, position, width, height, content_type, byte_size)
		select ${imageId}, p.id, ${variantId ?? null}::uuid, ${image.key}, ${params.alt ?? ""},
			coalesce((select max(position) + 1 from ${images} where product_id = p.id), 0),
			${image.width}::int, ${image.height}::int, ${image.contentType}, ${image.byteSize}
		from ${products} p where p.id = ${productId}::uuid ${variantCheck}
		returning ${RETURNING}
		), audit as (${auditSql(who, {
			action: "image.upload",
			targetId: imageId,
			after: sql`to_jsonb(ins) - 'id'`,
			from: sql`ins`,
		})})
		select * from ins`),
	});
	const row = inserted.rows[0];
	if (!row)
		throw new ApiError(
			"NOT_FOUND",
			variantId
				? "Product not found, or the variant is not one of its variants"
				: "Product not found",
		);
	try {
		await bucket.put(image.key, params.body, {
			httpMetadata: { contentType: image.contentType },
		});
	} catch (err) {
		await db.execute(sql`with gone as (delete from ${images} where id = ${row.id}::uuid)
			delete from admin_audit_log
			where action = 'image.upload' and target_type = 'image' and target_id = ${row.id}`);
		throw err;
	}
	return row;
}

/**
 * Sets an image's alt text or variant (which must be one of its product's), audited
 * (`image.update`, `after` the changes) in the same statement.
 */
export async function updateImage(
	db: Db,
	params: { id: string; changes: { alt?: string; variantId?: string | null } },
	who: AuditActor,
): Promise<ImageRow> {
	const { id, changes: patch } = params;
	const [row] = await auditedUpdate(
		db,
		images,
		{
			set: {
				...(patch.alt === undefined ? {} : { alt: patch.alt }),
				...(patch.variantId === undefined
					? {}
					: { variantId: patch.variantId }),
			},
			row: eq(images.id, id),
			where: patch.variantId
				? exists(
						db
							.select({ id: variants.id })
							.from(variants)
							.where(
								and(
									eq(variants.id, patch.variantId),
									eq(variants.productId, images.productId),
								),
							),
					)
				: undefined,
			selection: imageColumns,
		},
		who,
		{ action: "image.update", targetId: id, after: patch },
	);
	if (!row)
		throw new ApiError(
			"NOT_FOUND",
			"Image not found, or the variant is not one of its product's",
		);
	return row;
}

/**
 * Deletes the image row, and queues its R2 object for the cleanup job (see image-cleanup.jobs.ts)
 * when no other row (another product, the same bytes) references it, and writes the audit row
 * (`image.delete`, `before` the image's product, key and alt): one statement, nothing waits on R2.
 */
export async function deleteImage(
	db: Db,
	params: { id: string },
	who: AuditActor,
): Promise<void> {
	const { id } = params;
	const { rows } = await db.execute<{ id: string }>(sql`
		with gone as (delete from ${images} where id = ${id}::uuid returning id, key, product_id, alt),
		${queueImageDeletionsSql("gone")},
		audit as (${auditSql(who, {
			action: "image.delete",
			targetId: id,
			before: sql`json_build_object('productId', gone.product_id, 'key', gone.key, 'alt', gone.alt)`,
			from: sql`gone`,
		})})
		select id from gone`);
	if (!rows[0]) throw new ApiError("NOT_FOUND", "Image not found");
}

/**
 * Sets the gallery order; `imageIds` must be exactly the product's images. One statement, with
 * the audit row (`image.reorder`, target the product, `after` the order) when it applies.
 */
export async function reorderImages(
	db: Db,
	params: { productId: string; imageIds: string[] },
	who: AuditActor,
): Promise<void> {
	const { productId, imageIds } = params;
	const { rows } = await db.execute<{ found: boolean; same: boolean }>(sql`
		with current_ids as (select id from ${images} where product_id = ${productId}::uuid),
		wanted as (select id::uuid as id, ord from unnest(${sql.param(imageIds)}::text[]) with ordinality as w(id, ord)),
		ok as (
			select (select count(*) from current_ids) = (select count(*) from wanted)
				and (select count(distinct id) from wanted) = (select count(*) from wanted)
				and not exists (select id from wanted except select id from current_ids) as same
		),
		moved as (
			update ${images} i set position = w.ord - 1
			from wanted w where i.id = w.id and i.product_id = ${productId}::uuid and (select same from ok)
			returning i.id
		), audit as (${auditSql(who, {
			action: "image.reorder",
			targetId: productId,
			after: { imageIds },
			from: sql`ok`,
			when: sql`ok.same and exists (select 1 from ${products} where id = ${productId}::uuid)`,
		})})
		select exists (select 1 from ${products} where id = ${productId}::uuid) as found,
			(select same from ok) as same`);
	const row = rows[0];
	if (!row?.found) throw new ApiError("NOT_FOUND", "Product not found");
	if (!row.same)
		throw validationFailed(
			"imageIds must list each of the product's images exactly once",
			{
				path: "imageIds",
				message: "must list each of the product's images exactly once",
				code: "custom",
			},
		);
}
