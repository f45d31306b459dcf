-- Beyond the spec: notification type `mention` exists but nothing records mentions. One row per
-- (post, mentioned user) makes "notify once per mention" and "posts that mention me" simple.
CREATE TABLE post_mentions (
  post_id           BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  mentioned_user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (post_id, mentioned_user_id)
);
CREATE INDEX post_mentions_user_idx ON post_mentions (mentioned_user_id, created_at DESC);
