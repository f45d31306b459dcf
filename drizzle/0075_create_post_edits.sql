-- Edit history (issue 19): post.update of a published post keeps the version it replaces, as
-- Mastodon's status_edits do; posts.edited_at says a post was edited (reads show it). Drafts and
-- scheduled posts are not history: nobody saw them. A version is what a reader saw: title,
-- content, spoiler text, media (ids and sensitivity) and poll options. Rows go with their post.
ALTER TABLE posts ADD COLUMN edited_at TIMESTAMPTZ;
CREATE TABLE post_edits (
  id            BIGSERIAL PRIMARY KEY,
  post_id       BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  title         VARCHAR(200),
  content       TEXT,
  spoiler_text  VARCHAR(500),
  media_ids     BIGINT[] NOT NULL DEFAULT '{}',
  sensitive     BOOLEAN NOT NULL DEFAULT FALSE,
  poll_options  TEXT[],
  -- When this version was first shown: the post's published_at, or the previous edit's time.
  shown_from    TIMESTAMPTZ NOT NULL,
  -- When the edit that replaced it committed.
  replaced_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT post_edits_order CHECK (replaced_at >= shown_from)
);
CREATE INDEX post_edits_post_idx ON post_edits (post_id, replaced_at DESC, id DESC);
