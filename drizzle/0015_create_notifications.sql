-- Phase 4 (communication): notifications; the partial unread index serves the badge count.
CREATE TYPE notification_type AS ENUM ('follow', 'like', 'comment', 'repost', 'mention', 'message',
  'friend_request', 'system');

CREATE TABLE notifications (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type       notification_type NOT NULL,
  actor_id   BIGINT REFERENCES users(id) ON DELETE CASCADE,
  post_id    BIGINT REFERENCES posts(id) ON DELETE CASCADE,
  comment_id BIGINT REFERENCES comments(id) ON DELETE CASCADE,
  title      VARCHAR(200) NOT NULL,
  content    TEXT,
  action_url VARCHAR(500),
  is_read    BOOLEAN NOT NULL DEFAULT FALSE,
  read_at    TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT notifications_title_not_empty CHECK (LENGTH(TRIM(title)) > 0),
  CONSTRAINT notifications_actor_required CHECK (type = 'system' OR actor_id IS NOT NULL)
);
CREATE INDEX idx_notifications_user_unread ON notifications (user_id, created_at DESC) WHERE is_read = FALSE;
CREATE INDEX idx_notifications_user_created ON notifications (user_id, created_at DESC);
