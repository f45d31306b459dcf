-- Beyond the spec: indexes of the feed engine (issue: feeds fast at a million posts).
-- Custom feeds sorted `recent` walk published posts by (created_at, id).
CREATE INDEX posts_published_created_idx ON posts (created_at DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
-- Discover reads a recent window of published posts by publication time.
CREATE INDEX posts_published_at_idx ON posts (published_at DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
-- Custom feeds sorted `popular` walk by likes.
CREATE INDEX posts_published_likes_idx ON posts (likes_count DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
-- The home timeline merges each followed account's reposts by (created_at, id).
CREATE INDEX reposts_user_created_id_idx ON reposts (user_id, created_at DESC, id DESC);
