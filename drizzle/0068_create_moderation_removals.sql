-- Moderation (issue 18): which soft-deleted posts and comments a moderator removed (rather than
-- their author deleting them). The item itself is soft-deleted as usual (deleted_at), so every
-- read hides it through the one visibility policy; this row is what makes it different:
--  - its author cannot restore it (post.restore skips it) — only moderation.restorePost/Comment;
--  - the purge job never hard-deletes it (src/jobs/content-jobs.ts), so it stays restorable and
--    stays evidence for as long as its author's account exists (account deletion still cascades);
--  - previous_deleted_at keeps an earlier deletion by the author, which a restore puts back.
-- The row goes when a moderator restores the item; who removed and restored it is in
-- moderation_actions.
CREATE TABLE moderation_removals (
  id                  BIGSERIAL PRIMARY KEY,
  post_id             BIGINT UNIQUE REFERENCES posts(id) ON DELETE CASCADE,
  comment_id          BIGINT UNIQUE REFERENCES comments(id) ON DELETE CASCADE,
  reason              TEXT NOT NULL,
  previous_deleted_at TIMESTAMPTZ,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT moderation_removals_one_target CHECK (num_nonnulls(post_id, comment_id) = 1),
  CONSTRAINT moderation_removals_reason_valid CHECK (reason ~ '[^[:space:]]' AND char_length(reason) <= 1000)
);
