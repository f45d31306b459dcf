-- Quote posts (issue 19): a post may quote another (the quoted post is embedded in its view,
-- re-checked per reader). The quoted post's author may detach their post from a quote
-- (quote_detached_at: the embed then says "detached", Mastodon's revoked quote). A quoted post
-- that is purged leaves the quote pointing nowhere (SET NULL) — the embed says "unavailable".
ALTER TABLE posts ADD COLUMN quote_of_post_id BIGINT REFERENCES posts(id) ON DELETE SET NULL;
ALTER TABLE posts ADD COLUMN quote_detached_at TIMESTAMPTZ;
ALTER TABLE posts ADD CONSTRAINT posts_quote_not_self CHECK (quote_of_post_id IS NULL OR quote_of_post_id <> id);
CREATE INDEX posts_quote_of_idx ON posts (quote_of_post_id) WHERE quote_of_post_id IS NOT NULL;
