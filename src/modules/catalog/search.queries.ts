import { type SQL, sql } from "drizzle-orm";
import { categories, products, searchTerms } from "../../db/schema";

/** Words beyond these are ignored, so any input (up to 4 KB) costs a bounded query. */
const MAX_TERMS = 8;
const MAX_TERM_LENGTH = 64;
/** Shorter words are never typo-corrected: too many neighbours to mean anything. */
const MIN_CORRECTED_LENGTH = 3;
const CORRECTIONS_PER_TERM = 3;

const words = (text: string) =>
	text
		.normalize("NFKC")
		.toLowerCase()
		.split(/[^\p{L}\p{M}\p{N}]+/u)
		.filter((t) => t.length > 0)
		.map((t) => t.slice(0, MAX_TERM_LENGTH));

/**
 * The search words of `q`: letters, marks and digits only, lower-cased; a whitespace-separated
 * chunk starting with `-` excludes its words ("shirt -red"). Everything else — quotes, tsquery
 * operators (`&|!:*()<>`), SQL, punctuation, hyphens inside words — separates words, so no input
 * can reach the tsquery syntax.
 */
export function searchWords(q: string): {
	terms: string[];
	excluded: string[];
} {
	const terms: string[] = [];
	const excluded: string[] = [];
	for (const chunk of q.split(/\s+/)) {
		if (chunk.startsWith("-")) excluded.push(...words(chunk.slice(1)));
		else terms.push(...words(chunk));
	}
	return {
		terms: terms.slice(0, MAX_TERMS),
		excluded: excluded.slice(0, MAX_TERMS),
	};
}

/**
 * One word as a tsquery ('voidshop_search': accents folded, English stems; `prefix` for the word
 * being typed). When the catalog has no document with that word, it is replaced by up to three
 * similar lexemes of the search_terms lexicon (pg_trgm `%`, index-backed) — the typo fallback.
 * Stop words ("the", "t") are empty queries and drop out of the AND.
 */
function termQuery(term: string, prefix: boolean): SQL {
	const literal = `'${term}'${prefix ? ":*" : ""}`;
	const correction =
		term.length < MIN_CORRECTED_LENGTH
			? sql`t.q`
			: sql`coalesce((select catalog_tsquery_or(plainto_tsquery('simple', s.term))
				from (select w.term from ${searchTerms} w where w.term % catalog_fold(${term})
					order by w.term <-> catalog_fold(${term}) limit ${CORRECTIONS_PER_TERM}) s), t.q)`;
	return sql`(select case
		when numnode(t.q) = 0 or exists (select 1 from ${products} x where x.search @@ t.q) then t.q
		else ${correction} end
		from (select to_tsquery('voidshop_search', ${literal}) as q) t)`;
}

/**
 * The tsquery for a shopper's `q`, or undefined when it has no words: every word must match
 * (the last as a prefix, for type-ahead), or — for several words — their joined form does
 * ("t shirt" and "t-shirt" also look for "tshirt", which documents hold for "T Shirt").
 */
export function searchQuery(q: string): SQL | undefined {
	const { terms, excluded } = searchWords(q);
	if (terms.length === 0) return undefined;
	let query = sql.join(
		terms.map((t, i) => termQuery(t, i === terms.length - 1)),
		sql` && `,
	);
	if (terms.length > 1)
		query = sql`(${query}) || to_tsquery('voidshop_search', ${`'${terms.join("")}':*`})`;
	for (const word of excluded)
		query = sql`(${query}) && !! to_tsquery('voidshop_search', ${`'${word}'`})`;
	return sql`(${query})`;
}

/**
 * Relevance: ts_rank_cd over the weighted document, plus 10 when the product's name is exactly
 * the query (accents, case and punctuation aside), so an exact name match always comes first.
 */
export function searchRank(q: string, tsquery: SQL, alias: string): SQL {
	const typed = searchWords(q).terms.join(" ");
	const p = sql.raw(alias);
	return sql`(ts_rank_cd(${p}.search, ${tsquery})
		+ case when trim(regexp_replace(catalog_fold(${p}.name), '[^[:alnum:]]+', ' ', 'g'))
			= trim(regexp_replace(catalog_fold(${typed}), '[^[:alnum:]]+', ' ', 'g')) then 10 else 0 end)::real`;
}

/** At most this many suggestions in all; categories take up to three of them. */
export const SUGGESTIONS = 8;
const CATEGORY_SUGGESTIONS = 3;

export type SuggestRow = {
	categories: { id: string; slug: string; name: string }[];
	products: { id: string; slug: string; name: string }[];
};

/**
 * Search-box suggestions in one statement: categories whose name matches (a tiny table, so
 * its document is computed on the fly) and active products by relevance, each list bounded.
 */
export function suggestSql(q: string, tsquery: SQL): SQL {
	const rank = searchRank(q, sql`(select q from search)`, "p");
	return sql`with search as materialized (select ${tsquery} as q),
	cats as (
		select c.id, c.slug, c.name from ${categories} c
		where to_tsvector('voidshop_search', c.name || ' ' || catalog_joined_words(c.name)) @@ (select q from search)
		order by char_length(c.name), c.name, c.id limit ${CATEGORY_SUGGESTIONS}
	),
	prods as (
		select p.id, p.slug, p.name from ${products} p
		where p.status = 'active' and p.price_min is not null and p.search @@ (select q from search)
		order by ${rank} desc, p.name, p.id limit ${SUGGESTIONS}
	)
	select coalesce((select json_agg(cats) from cats), '[]') as categories,
		coalesce((select json_agg(prods) from prods), '[]') as products`;
}
