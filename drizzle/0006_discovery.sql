-- Hand-written: extensions (pg_trgm for typo correction, unaccent for accent folding).
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
CREATE TABLE "search_terms" (
	"term" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- Hand-edited order: a generated column takes no default until its expression is dropped.
ALTER TABLE "products" ALTER COLUMN "search" DROP EXPRESSION;--> statement-breakpoint
ALTER TABLE "products" ALTER COLUMN "search" SET DEFAULT ''::tsvector;--> statement-breakpoint
CREATE INDEX "search_terms_trgm_idx" ON "search_terms" USING gin ("term" gin_trgm_ops);--> statement-breakpoint
-- Hand-written: a compare-at price at or below the price is not a sale price; drop such values
-- so the CHECK below can be added to an existing catalog.
UPDATE "variants" SET "compare_at_price" = NULL WHERE "compare_at_price" <= "price";--> statement-breakpoint
ALTER TABLE "variants" ADD CONSTRAINT "variants_compare_at_above_price" CHECK ("variants"."compare_at_price" > "variants"."price");--> statement-breakpoint
-- Hand-written from here: the search document and its maintenance.
-- English stemming with accents folded first, so "crème" and "creme" are one lexeme.
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'voidshop_search') THEN
		CREATE TEXT SEARCH CONFIGURATION voidshop_search (COPY = english);
		ALTER TEXT SEARCH CONFIGURATION voidshop_search
			ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;
	END IF;
END $$;--> statement-breakpoint
-- Lower-case, accent-free text (unaccent() itself is only STABLE: its dictionary could change).
CREATE OR REPLACE FUNCTION catalog_fold(t text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;--> statement-breakpoint
-- Adjacent words joined ("Organic T Shirt" -> "organict tshirt"), so "tshirt" finds "T Shirt"
-- and "T-Shirts".
CREATE OR REPLACE FUNCTION catalog_joined_words(t text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
	AS $$
	SELECT coalesce(string_agg(w || nxt, ' '), '')
	FROM (
		SELECT w, lead(w) OVER (ORDER BY n) AS nxt
		FROM regexp_split_to_table(lower(t), '[^[:alnum:]]+') WITH ORDINALITY AS s(w, n)
		WHERE w <> ''
	) pairs
	WHERE nxt IS NOT NULL
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION catalog_product_search(p_id uuid, p_name text, p_description text, p_tags text[], p_category_id uuid)
	RETURNS tsvector LANGUAGE sql STABLE
	AS $$
	SELECT setweight(to_tsvector('voidshop_search', p_name || ' ' || catalog_joined_words(p_name)), 'A')
		|| setweight(to_tsvector('voidshop_search', coalesce((
			WITH RECURSIVE up(id, parent_id, name, depth) AS (
				SELECT c.id, c.parent_id, c.name, 0 FROM categories c WHERE c.id = p_category_id
				UNION ALL
				SELECT c.id, c.parent_id, c.name, up.depth + 1 FROM categories c JOIN up ON c.id = up.parent_id WHERE up.depth < 32
			)
			SELECT string_agg(up.name || ' ' || catalog_joined_words(up.name), ' ') FROM up
		), '') || ' ' || array_to_string(p_tags, ' ')), 'B')
		|| setweight(to_tsvector('voidshop_search', coalesce((
			SELECT string_agg(array_to_string(o.values, ' '), ' ') FROM product_options o WHERE o.product_id = p_id
		), '')), 'C')
		|| setweight(to_tsvector('voidshop_search', p_description), 'D')
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION catalog_products_search_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF tg_op = 'INSERT' OR new.name IS DISTINCT FROM old.name OR new.description IS DISTINCT FROM old.description
		OR new.tags IS DISTINCT FROM old.tags OR new.category_id IS DISTINCT FROM old.category_id THEN
		new.search := catalog_product_search(new.id, new.name, new.description, new.tags, new.category_id);
	END IF;
	IF tg_op = 'INSERT' OR new.search IS DISTINCT FROM old.search THEN
		INSERT INTO search_terms (term)
			SELECT lexeme FROM unnest(new.search) WHERE char_length(lexeme) BETWEEN 3 AND 64
			ON CONFLICT DO NOTHING;
	END IF;
	RETURN new;
END $$;--> statement-breakpoint
CREATE TRIGGER products_search_document BEFORE INSERT OR UPDATE ON products
	FOR EACH ROW EXECUTE FUNCTION catalog_products_search_trg();--> statement-breakpoint
CREATE OR REPLACE FUNCTION catalog_options_search_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE products p SET search = catalog_product_search(p.id, p.name, p.description, p.tags, p.category_id)
	WHERE p.id IN (new.product_id, old.product_id);
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER product_options_search_document AFTER INSERT OR UPDATE OR DELETE ON product_options
	FOR EACH ROW EXECUTE FUNCTION catalog_options_search_trg();--> statement-breakpoint
CREATE OR REPLACE FUNCTION catalog_categories_search_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE products p SET search = catalog_product_search(p.id, p.name, p.description, p.tags, p.category_id)
	WHERE p.category_id IN (
		WITH RECURSIVE subtree AS (
			SELECT new.id AS id
			UNION
			SELECT c.id FROM categories c JOIN subtree s ON c.parent_id = s.id
		)
		SELECT id FROM subtree
	);
	RETURN NULL;
END $$;--> statement-breakpoint
CREATE TRIGGER categories_search_document AFTER UPDATE OF name, parent_id ON categories
	FOR EACH ROW WHEN (old.name IS DISTINCT FROM new.name OR old.parent_id IS DISTINCT FROM new.parent_id)
	EXECUTE FUNCTION catalog_categories_search_trg();--> statement-breakpoint
-- Typo candidates OR-ed into one tsquery.
CREATE OR REPLACE AGGREGATE catalog_tsquery_or(tsquery) (SFUNC = tsquery_or, STYPE = tsquery);--> statement-breakpoint
UPDATE products p SET search = catalog_product_search(p.id, p.name, p.description, p.tags, p.category_id);
