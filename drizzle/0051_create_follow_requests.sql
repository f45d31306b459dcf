-- Locked profiles (Mastodon's "manually approve followers"): a follow of a profile that requires
-- approval waits in follow_requests until its owner approves it. user_follows keeps meaning an
-- approved follow, so every count, list, feed, visibility check and the friendship trigger treat a
-- pending request as "not following" without knowing about it.
-- user_profiles.follow_approval: NULL = by visibility (on for 'followers' and 'private', off for
-- 'public'); TRUE/FALSE = the owner's explicit choice. Effective value:
-- COALESCE(follow_approval, visibility <> 'public').
ALTER TABLE user_profiles ADD COLUMN follow_approval BOOLEAN;

CREATE TABLE follow_requests (
  id           BIGSERIAL PRIMARY KEY,
  requester_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  target_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT follow_requests_no_self CHECK (requester_id <> target_id),
  CONSTRAINT follow_requests_unique UNIQUE (requester_id, target_id)
);
-- The owner's inbox of requests, newest first (social.followRequests keyset).
CREATE INDEX follow_requests_target_idx ON follow_requests (target_id, created_at DESC, id DESC);
