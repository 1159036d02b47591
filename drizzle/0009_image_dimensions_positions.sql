-- Hand-written, before the generated statements: dimensions outside the bounds the upload now
-- enforces (or only half known) become unknown (null), so the images_dimensions CHECK can hold.
UPDATE "images" SET "width" = NULL, "height" = NULL
WHERE ("width" IS NULL) <> ("height" IS NULL)
	OR NOT ("width" BETWEEN 1 AND 16384 AND "height" BETWEEN 1 AND 16384
		AND "width"::bigint * "height" <= 50000000);--> statement-breakpoint
ALTER TABLE "images" DROP CONSTRAINT "images_content_type";--> statement-breakpoint
DROP INDEX "images_product_position_idx";--> statement-breakpoint
ALTER TABLE "order_items" ADD COLUMN "image_width" integer;--> statement-breakpoint
ALTER TABLE "order_items" ADD COLUMN "image_height" integer;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_dimensions" CHECK (("images"."width" is null and "images"."height" is null) or ("images"."width" between 1 and 16384
				and "images"."height" between 1 and 16384 and "images"."width"::bigint * "images"."height" <= 50000000));--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_content_type" CHECK ("images"."content_type" in ('image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'));--> statement-breakpoint
-- Hand-written: parallel uploads could give two images of a product one position. Renumber every
-- gallery (same order: position, then id), then make (product_id, position) unique. Deferred to
-- commit, so the reorder statement may pass through duplicates while it permutes positions; its
-- index replaces images_product_position_idx for the gallery reads.
UPDATE "images" i SET "position" = r.n - 1
FROM (SELECT "id", row_number() OVER (PARTITION BY "product_id" ORDER BY "position", "id") AS n
	FROM "images") r
WHERE i."id" = r."id" AND i."position" <> r.n - 1;--> statement-breakpoint
ALTER TABLE "images" ADD CONSTRAINT "images_product_position_unique"
	UNIQUE ("product_id", "position") DEFERRABLE INITIALLY DEFERRED;--> statement-breakpoint
-- Hand-written: order lines placed before sizes were snapshotted take them from the catalog image
-- with the same content-addressed key, while one exists.
UPDATE "order_items" oi SET "image_width" = i."width", "image_height" = i."height"
FROM (SELECT DISTINCT ON ("key") "key", "width", "height" FROM "images"
	WHERE "width" IS NOT NULL ORDER BY "key", "id") i
WHERE oi."image_key" = i."key" AND oi."image_width" IS NULL;
