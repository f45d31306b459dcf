-- Two-factor sign-in (issue 19): an account's TOTP authenticator (RFC 6238: SHA-1, 6 digits,
-- 30 s steps). auth.totp.setup writes a pending row (confirmed_at NULL; a new setup replaces it);
-- auth.totp.confirm activates it with a first valid code. Only confirmed rows make auth.login ask
-- for a code.
-- The secret never lies here in plaintext: secret_ciphertext is AES-256-GCM under
-- TOTP_ENCRYPTION_KEY (IV ‖ tag ‖ ciphertext, src/modules/auth/totp-crypto.ts); key_id names the
-- key it was encrypted under (a fingerprint, not the key), so the key can be rotated later.
-- last_used_step is the 30 s step of the last accepted code: a code of that step or an older one
-- is refused (replay protection).
CREATE TABLE user_totp (
  user_id           BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  secret_ciphertext BYTEA NOT NULL,
  key_id            VARCHAR(16) NOT NULL,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  confirmed_at      TIMESTAMPTZ,
  last_used_step    BIGINT,
  CONSTRAINT user_totp_key_id_format CHECK (key_id ~ '^[0-9a-f]{16}$'),
  CONSTRAINT user_totp_ciphertext_length CHECK (octet_length(secret_ciphertext) BETWEEN 29 AND 256),
  CONSTRAINT user_totp_step_positive CHECK (last_used_step IS NULL OR last_used_step >= 0)
);
-- The purge of abandoned setups (src/jobs/account-jobs.ts).
CREATE INDEX user_totp_pending_idx ON user_totp (created_at) WHERE confirmed_at IS NULL;
