-- Account export (issue 19): one row per archive a user asked for with account.export. A job
-- (src/jobs/export-jobs.ts) claims pending rows with FOR UPDATE SKIP LOCKED and a lease of its own
-- (locked_by / locked_until, renewed while it builds), writes the ZIP to the media store under
-- object_key (exports/<user_id>/<id>-<random>.zip) and marks the row ready with an expiry; a build
-- whose worker died is claimed again once its lease has passed (attempts counts the claims). A
-- second job deletes archives past expires_at (object, then status 'expired') and forgets old rows.
-- error is the short message the owner may see, never the exception's text. At most one archive
-- per account is pending or running at a time (account_exports_one_open): a second request
-- returns that one. Rows go with their account (CASCADE); an object left behind is swept by key.
CREATE TABLE account_exports (
  id           BIGSERIAL PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status       VARCHAR(20) NOT NULL DEFAULT 'pending',
  object_key   VARCHAR(300),
  size_bytes   BIGINT,
  counts       JSONB,
  attempts     INTEGER NOT NULL DEFAULT 0,
  locked_by    TEXT,
  locked_until TIMESTAMPTZ,
  error        VARCHAR(300),
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  started_at   TIMESTAMPTZ,
  ready_at     TIMESTAMPTZ,
  expires_at   TIMESTAMPTZ,
  finished_at  TIMESTAMPTZ,
  CONSTRAINT account_exports_status_valid CHECK (status IN ('pending', 'running', 'ready', 'failed', 'expired')),
  CONSTRAINT account_exports_lease_complete CHECK ((locked_by IS NULL) = (locked_until IS NULL)),
  CONSTRAINT account_exports_lease_while_running CHECK (locked_by IS NULL OR status = 'running'),
  CONSTRAINT account_exports_ready_complete CHECK (
    status <> 'ready' OR (object_key IS NOT NULL AND size_bytes IS NOT NULL AND ready_at IS NOT NULL AND expires_at IS NOT NULL)),
  CONSTRAINT account_exports_size_positive CHECK (size_bytes IS NULL OR size_bytes > 0),
  CONSTRAINT account_exports_attempts_positive CHECK (attempts >= 0),
  CONSTRAINT account_exports_key_layout CHECK (object_key IS NULL OR object_key LIKE 'exports/' || user_id || '/%')
);
-- One open (pending or running) export per account.
CREATE UNIQUE INDEX account_exports_one_open ON account_exports (user_id) WHERE status IN ('pending', 'running');
-- account.exports (newest first) and the cascade from users.
CREATE INDEX account_exports_user_idx ON account_exports (user_id, id DESC);
-- The build queue, oldest first: tiny, only open rows.
CREATE INDEX account_exports_queue_idx ON account_exports (id) WHERE status IN ('pending', 'running');
-- The expiry job: ready archives by expiry.
CREATE INDEX account_exports_expiry_idx ON account_exports (expires_at) WHERE status = 'ready';
-- The retention sweep: finished rows (failed, expired) are forgotten after a while.
CREATE INDEX account_exports_retention_idx ON account_exports (created_at) WHERE status IN ('failed', 'expired');
