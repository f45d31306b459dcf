-- Content warnings (issue 19): a spoiler text on posts and comments (≤ 500 characters, shown in
-- place of the content until the reader opens it, as Mastodon's spoiler_text and Misskey's cw) and
-- a sensitive flag per media item (blurred until clicked). A blank warning is stored as NULL.
-- ADD COLUMN with no default or a constant one rewrites nothing (PostgreSQL 11+).
ALTER TABLE posts ADD COLUMN spoiler_text VARCHAR(500);
ALTER TABLE posts ADD CONSTRAINT posts_spoiler_text_not_blank CHECK (spoiler_text IS NULL OR LENGTH(BTRIM(spoiler_text)) > 0);
ALTER TABLE comments ADD COLUMN spoiler_text VARCHAR(500);
ALTER TABLE comments ADD CONSTRAINT comments_spoiler_text_not_blank CHECK (spoiler_text IS NULL OR LENGTH(BTRIM(spoiler_text)) > 0);
ALTER TABLE post_media ADD COLUMN is_sensitive BOOLEAN NOT NULL DEFAULT FALSE;
