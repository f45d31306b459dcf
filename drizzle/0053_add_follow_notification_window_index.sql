-- Follow notifications are deduplicated per window: notify() creates a `follow` or `friend`
-- notification only if the same actor has not sent the same recipient one of either type in the
-- last 24 hours (follow/unfollow toggling notifies once, Mastodon-style). This index makes that
-- check a probe on (recipient, actor) instead of a scan of the recipient's recent notifications,
-- which for a popular account is thousands of rows a day. Partial on post_id IS NULL (the
-- notifications about an account, not a post: follows, friends, messages, system), not on the type:
-- 'friend' was added by ALTER TYPE (0025) and an uncommitted enum value cannot appear in an index
-- predicate when a fresh database runs all migrations in one transaction.
CREATE INDEX notifications_follow_window_idx ON notifications (user_id, actor_id, created_at DESC)
  WHERE post_id IS NULL;
