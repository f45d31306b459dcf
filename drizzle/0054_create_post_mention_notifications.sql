-- A mention notifies once per post and mentioned account, ever. post_mentions follows the current
-- content (an edit that removes a mention deletes its row), so "already notified" cannot live
-- there: editing a mention out and back in would notify again each time. One row per (post,
-- account) that has been sent its mention notification; notifyMentions claims the row before it
-- notifies and skips accounts already claimed. It survives edits, not the post (or the account).
CREATE TABLE post_mention_notifications (
  post_id     BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  notified_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (post_id, user_id)
);
-- The foreign key to users is followed by account purges.
CREATE INDEX post_mention_notifications_user_idx ON post_mention_notifications (user_id);
