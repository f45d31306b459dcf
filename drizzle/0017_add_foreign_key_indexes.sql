-- Beyond the spec: indexes on foreign-key columns the spec leaves unindexed. Without them a
-- cascading user delete (or a per-user lookup such as "my subscription") scans whole tables.
CREATE INDEX comments_user_idx ON comments (user_id);
CREATE INDEX post_media_user_type_idx ON post_media (user_id, type);
CREATE INDEX notifications_actor_idx ON notifications (actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX notifications_post_idx ON notifications (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX notifications_comment_idx ON notifications (comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX messages_sender_idx ON messages (sender_id);
CREATE INDEX list_members_member_idx ON list_members (member_user_id);
CREATE INDEX user_subscriptions_user_idx ON user_subscriptions (user_id, created_at DESC);
CREATE INDEX user_subscriptions_tier_idx ON user_subscriptions (tier_id);
CREATE INDEX profile_sections_user_idx ON profile_sections (user_id);
CREATE INDEX user_lists_user_idx ON user_lists (user_id);
