-- Full-text search of posts (issue 18: search.posts), in PostgreSQL itself: no external engine, so
-- the embedded default (PGlite) searches exactly as production does.
--
-- The text search configuration simple_unaccent: the built-in `simple` (no stemming, no stop words:
-- posts are written in any language, and an English — or any one — stemmer mangles the others;
-- `simple` only lowercases, Unicode-aware under a UTF-8 database: C.UTF-8 on Debian and in PGlite,
-- 'МОСКВА' → 'москва') with the unaccent dictionary in front, so accents and ligatures fold first
-- ('Café' → 'cafe', 'straße' → 'strasse', 'Œuvre' → 'oeuvre') and a query matches with or
-- without them. As a filtering dictionary inside the configuration unaccent runs in C during
-- parsing: the usual alternative, an IMMUTABLE SQL wrapper around unaccent() (which is only
-- STABLE), is a SQL function call per value — measured on the bench data it doubled the cost of
-- every candidate (9 µs a post for the walk, as much again for ranking).
-- unaccent ships in postgresql-contrib (Debian's postgresql-15 package includes it; it is a trusted
-- extension, so the database owner may create it); PGlite loads it from
-- @electric-sql/pglite/contrib/unaccent (src/db/client.ts). pg_trgm (also in both) is not used:
-- word search needs no trigrams, and a trigram index over every post's content would be several
-- times this one's size.
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA public;

CREATE TEXT SEARCH CONFIGURATION simple_unaccent (COPY = pg_catalog.simple);
-- Token kinds that may hold non-ASCII letters go through unaccent, then simple; the ASCII-only
-- kinds (asciiword, asciihword, hword_asciipart) have nothing to fold and stay on simple alone.
ALTER TEXT SEARCH CONFIGURATION simple_unaccent
  ALTER MAPPING FOR word, numword, hword, numhword, hword_part, hword_numpart
  WITH public.unaccent, pg_catalog.simple;

-- The searchable document of a post: its title (weight A, ranks higher) and content (weight B).
-- One function so that the index and every query spell the expression identically; a plain SQL
-- expression of IMMUTABLE functions, so the planner inlines it (no function call per row). The
-- configuration is named with its schema: PostgreSQL 17+ (PGlite is 18) runs CREATE INDEX,
-- REINDEX and ANALYZE with search_path = pg_catalog.
CREATE FUNCTION post_search_document(p_title text, p_content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT setweight(to_tsvector('public.simple_unaccent'::regconfig, coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('public.simple_unaccent'::regconfig, coalesce(p_content, '')), 'B')
$$;

-- An expression index, not a stored generated column: adding a stored column rewrites the whole
-- posts table (1 GB at 1M posts) under an exclusive lock, and the only reader of the vector besides
-- the index is the ranking of a bounded candidate set (at most 1,000 rows: search.service.ts), where
-- recomputing it costs a few milliseconds.
-- Not partial (unlike the timeline indexes), although search shows published, live posts only: the
-- planner ignores the statistics of a partial index's expression, and without them it guesses 0.5%
-- of the rows for every word. "post about" (in every bench post) was then estimated at 25 rows and
-- read through the GIN bitmap — all 1M posts, 1.05 s — instead of walking posts_published_at_idx
-- until 1,000 matches (ANALYZE posts gathers the lexeme frequencies of this expression).
CREATE INDEX posts_search_idx ON posts USING gin (post_search_document(title, content));
