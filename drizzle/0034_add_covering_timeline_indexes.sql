-- Beyond the spec: covering indexes for the newest-first windows the feed engine scans.
-- A viewer following thousands of accounts is served by reading the newest posts and reposts
-- globally (index-only) and keeping those by followed authors; discover ranks a recent window by
-- engagement. Both read only these index entries, never the heap.
DROP INDEX posts_published_at_idx;
CREATE INDEX posts_published_at_idx ON posts (published_at DESC, id DESC)
  INCLUDE (user_id, likes_count, comments_count, reposts_count)
  WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX reposts_created_idx ON reposts (created_at DESC, id DESC) INCLUDE (user_id, post_id);
-- The few accounts whose posts are not public, as one small set (discover excludes them).
CREATE INDEX user_profiles_not_public_idx ON user_profiles (user_id) WHERE visibility <> 'public';
