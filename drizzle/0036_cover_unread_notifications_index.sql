-- The badge count filters unread notifications by their actor (inactive or blocked actors do not
-- count). With actor_id in the spec's unread index the count is an index-only scan.
DROP INDEX idx_notifications_user_unread;
CREATE INDEX idx_notifications_user_unread ON notifications (user_id, created_at DESC) INCLUDE (actor_id) WHERE is_read = FALSE;
