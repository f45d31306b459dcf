-- Moderation (issue 18): what users report (report.create) and the moderators' queue
-- (moderation.reports / moderation.resolve). A report names one target: a post, a comment, a
-- message (each with its own foreign key, so a purged item takes its reports with it: nothing is
-- left to act on) or an account; target_user_id is always the account concerned (the author of
-- the content, or the account itself), so the queue and the notices need no per-type lookups.
-- resolved_by is SET NULL, not CASCADE: a moderator's account going must not delete the reports
-- they handled (who did what stays in moderation_actions, which keeps ids, not foreign keys).
CREATE TABLE reports (
  id              BIGSERIAL PRIMARY KEY,
  reporter_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  target_type     VARCHAR(20) NOT NULL,
  target_user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  post_id         BIGINT REFERENCES posts(id) ON DELETE CASCADE,
  comment_id      BIGINT REFERENCES comments(id) ON DELETE CASCADE,
  message_id      BIGINT REFERENCES messages(id) ON DELETE CASCADE,
  category        VARCHAR(30) NOT NULL,
  description     TEXT NOT NULL,
  status          VARCHAR(20) NOT NULL DEFAULT 'open',
  resolution_note TEXT,
  resolved_by     BIGINT REFERENCES users(id) ON DELETE SET NULL,
  resolved_at     TIMESTAMPTZ,
  created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  -- One of the four types, with exactly the column of its type set (none for an account).
  CONSTRAINT reports_target_matches CHECK (
    (target_type = 'post' AND post_id IS NOT NULL AND comment_id IS NULL AND message_id IS NULL)
    OR (target_type = 'comment' AND comment_id IS NOT NULL AND post_id IS NULL AND message_id IS NULL)
    OR (target_type = 'message' AND message_id IS NOT NULL AND post_id IS NULL AND comment_id IS NULL)
    OR (target_type = 'account' AND post_id IS NULL AND comment_id IS NULL AND message_id IS NULL)),
  CONSTRAINT reports_category_valid CHECK (category IN (
    'spam', 'harassment', 'hate', 'violence', 'sexual', 'self_harm', 'misinformation', 'impersonation', 'illegal', 'other')),
  CONSTRAINT reports_description_valid CHECK (description ~ '[^[:space:]]' AND char_length(description) <= 2000),
  CONSTRAINT reports_status_valid CHECK (status IN ('open', 'resolved', 'dismissed')),
  -- An open report has no resolution; a closed one says when (its moderator may be gone: SET NULL).
  CONSTRAINT reports_resolution_consistent CHECK (
    (status = 'open' AND resolved_at IS NULL AND resolved_by IS NULL AND resolution_note IS NULL)
    OR (status <> 'open' AND resolved_at IS NOT NULL)),
  CONSTRAINT reports_note_length CHECK (resolution_note IS NULL OR char_length(resolution_note) <= 2000),
  -- Nobody reports their own content or account (report.create answers SELF_TARGET first).
  CONSTRAINT reports_no_self CHECK (reporter_id <> target_user_id)
);
-- One open report per reporter and target: a repeated report.create returns the open one.
CREATE UNIQUE INDEX reports_one_open_per_target ON reports
  (reporter_id, target_type, (COALESCE(post_id, comment_id, message_id, target_user_id))) WHERE status = 'open';
-- The queue: one status, in id order (oldest first while open).
CREATE INDEX reports_queue_idx ON reports (status, id);
-- Foreign-key indexes (cascades and per-account lookups never scan).
CREATE INDEX reports_reporter_idx ON reports (reporter_id);
CREATE INDEX reports_target_user_idx ON reports (target_user_id);
CREATE INDEX reports_post_idx ON reports (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX reports_comment_idx ON reports (comment_id) WHERE comment_id IS NOT NULL;
CREATE INDEX reports_message_idx ON reports (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX reports_resolved_by_idx ON reports (resolved_by) WHERE resolved_by IS NOT NULL;
