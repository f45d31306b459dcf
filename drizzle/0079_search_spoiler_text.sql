-- Spoiler text is searchable (issue 19), as Mastodon indexes spoiler_text: the post's document is
-- now title (weight A), spoiler text (A: a content warning names the subject) and content (B).
-- The index is rebuilt over the new expression (at 1M posts: a few minutes under a lock that
-- blocks writes to posts, not reads — run it in a quiet hour, or CREATE INDEX CONCURRENTLY by
-- hand first). The two-argument function stays for anything that still names it.
CREATE FUNCTION post_search_document(p_title text, p_spoiler text, p_content text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT setweight(to_tsvector('public.simple_unaccent'::regconfig, coalesce(p_title, '')), 'A')
      || setweight(to_tsvector('public.simple_unaccent'::regconfig, coalesce(p_spoiler, '')), 'A')
      || setweight(to_tsvector('public.simple_unaccent'::regconfig, coalesce(p_content, '')), 'B')
$$;
DROP INDEX posts_search_idx;
CREATE INDEX posts_search_idx ON posts USING gin (post_search_document(title, spoiler_text, content));
