-- Beyond the spec: indexes the social core reads through.
-- Profile timelines and the home feed page by (published_at, id) per author.
CREATE INDEX posts_user_published_idx ON posts (user_id, published_at DESC, id DESC)
  WHERE status = 'published' AND deleted_at IS NULL;
-- The scheduler finds due posts without scanning.
CREATE INDEX posts_scheduled_due_idx ON posts (scheduled_for) WHERE status = 'scheduled' AND deleted_at IS NULL;
-- Purge of soft-deleted rows after 30 days.
CREATE INDEX posts_deleted_at_idx ON posts (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX comments_deleted_at_idx ON comments (deleted_at) WHERE deleted_at IS NOT NULL;
-- comment.list pages top-level comments only.
CREATE INDEX comments_post_top_level_idx ON comments (post_id, created_at DESC, id DESC)
  WHERE deleted_at IS NULL AND parent_comment_id IS NULL;
-- A like (or repost) notifies the author once per actor and post, even after unlike + like.
CREATE UNIQUE INDEX notifications_once_per_actor_post_idx ON notifications (user_id, actor_id, post_id, type)
  WHERE type IN ('like', 'repost');
-- Bookmarks and likes of one user, newest first (post.bookmarks).
CREATE INDEX post_interactions_user_type_idx ON post_interactions (user_id, type, created_at DESC, id DESC);
