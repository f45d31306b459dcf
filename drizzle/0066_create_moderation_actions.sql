-- Moderation (issue 18): the audit log, one row per moderation action (a report resolved or
-- dismissed, a suspension and its lifting, a removal and a restore of a post or comment) and per
-- role change by the operator's CLI (moderator_id NULL). Written in the same transaction as the
-- action itself, so there is no action without its row. Append-only (0067).
-- No foreign keys, on purpose: the log must outlive what it describes. A cascade would delete
-- history with a purged account or post, RESTRICT would block those purges, and SET NULL is an
-- UPDATE, which the log refuses. Ids stay as they were; readers join users where it still exists.
CREATE TABLE moderation_actions (
  id             BIGSERIAL PRIMARY KEY,
  moderator_id   BIGINT,
  action         VARCHAR(30) NOT NULL,
  target_type    VARCHAR(20) NOT NULL,
  target_id      BIGINT NOT NULL,
  target_user_id BIGINT,
  reason         TEXT,
  details        JSONB NOT NULL DEFAULT '{}',
  created_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT moderation_actions_action_valid CHECK (action IN (
    'report.resolve', 'report.dismiss', 'account.suspend', 'account.unsuspend',
    'post.remove', 'post.restore', 'comment.remove', 'comment.restore', 'role.set')),
  -- The target is what the action names: role.set is about an account, the others their prefix.
  CONSTRAINT moderation_actions_target_matches CHECK (
    target_type = CASE WHEN action = 'role.set' THEN 'account' ELSE split_part(action, '.', 1) END),
  -- Suspensions and removals always say why; any reason is at most 1000 characters.
  CONSTRAINT moderation_actions_reason_valid CHECK (
    (reason IS NULL OR char_length(reason) <= 1000)
    AND (action NOT IN ('account.suspend', 'post.remove', 'comment.remove') OR (reason IS NOT NULL AND reason ~ '[^[:space:]]'))),
  -- Only the operator's CLI acts without a moderator.
  CONSTRAINT moderation_actions_moderator_required CHECK (moderator_id IS NOT NULL OR action = 'role.set')
);
-- An account's history (what was done to it), newest first; a moderator's actions; one item's.
CREATE INDEX moderation_actions_target_user_idx ON moderation_actions (target_user_id, id DESC) WHERE target_user_id IS NOT NULL;
CREATE INDEX moderation_actions_moderator_idx ON moderation_actions (moderator_id, id DESC) WHERE moderator_id IS NOT NULL;
CREATE INDEX moderation_actions_target_idx ON moderation_actions (target_type, target_id);
