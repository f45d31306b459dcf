-- notification.grouped reads all of a user's notifications in (type, post_id, created_at, id)
-- order to cut them into groups (a window function per type and target). In this order, with the
-- other columns it reads included, that is one index-only range with no sort.
CREATE INDEX notifications_user_group_idx ON notifications (user_id, type, post_id, created_at, id)
  INCLUDE (actor_id, is_read);
