-- Beyond the spec: the `tag` feed filter needs tags, and no spec table holds them. Tags come from
-- #hashtags in the content and from the post's explicit tags, stored lowercase without the '#'.
CREATE TABLE post_tags (
  post_id    BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tag        VARCHAR(64) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (post_id, tag),
  CONSTRAINT post_tags_normalized CHECK (tag = LOWER(tag) AND tag ~ '^[[:alnum:]_]+$')
);
CREATE INDEX post_tags_tag_idx ON post_tags (tag, post_id DESC);
