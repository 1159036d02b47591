-- Every variant's options name exactly the product's options, with values the options list.
-- Checked at commit (deferred), so a statement that renames an option on the product and in
-- its variants at once passes, and after a lock of the product row (the lock option changes take
-- first), so a variant written from a stale read of the options and an option change that commit
-- at the same time cannot both pass: the later commit sees the earlier and is refused.
CREATE OR REPLACE FUNCTION catalog_variant_options_mismatch(pid uuid, vid uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (
		SELECT 1 FROM variants v
		WHERE v.product_id = pid AND (vid IS NULL OR v.id = vid)
			AND (
				(SELECT coalesce(array_agg(k ORDER BY k), '{}') FROM jsonb_object_keys(v.options) k)
				IS DISTINCT FROM
				(SELECT coalesce(array_agg(o.name ORDER BY o.name), '{}') FROM product_options o
					WHERE o.product_id = pid)
				OR EXISTS (
					SELECT 1 FROM jsonb_each_text(v.options) e
					JOIN product_options o ON o.product_id = pid AND o.name = e.key
					WHERE NOT (e.value = ANY (o.values))
				)
			)
	)
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION catalog_variant_options_trg() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	pid uuid := CASE WHEN TG_OP = 'DELETE' THEN old.product_id ELSE new.product_id END;
	vid uuid := CASE WHEN TG_TABLE_NAME = 'variants' THEN new.id END;
BEGIN
	PERFORM 1 FROM products WHERE id = pid FOR NO KEY UPDATE;
	IF NOT FOUND THEN
		RETURN NULL; -- the product was deleted in this transaction
	END IF;
	IF catalog_variant_options_mismatch(pid, vid) THEN
		RAISE EXCEPTION 'variant options do not match the options of product %', pid
			USING ERRCODE = 'check_violation', CONSTRAINT = 'variants_options_match_product';
	END IF;
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE CONSTRAINT TRIGGER variants_options_match_product
	AFTER INSERT OR UPDATE OF options ON variants DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION catalog_variant_options_trg();--> statement-breakpoint
CREATE CONSTRAINT TRIGGER product_options_match_variants
	AFTER INSERT OR UPDATE OR DELETE ON product_options DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION catalog_variant_options_trg();
