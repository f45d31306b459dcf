-- Two-factor sign-in (issue 19): the ten single-use recovery codes auth.totp.confirm (and
-- auth.totp.regenerateRecoveryCodes) hand out once. A code is 80 random bits (16 Crockford base32
-- characters), so, like session tokens, only its SHA-256 is stored: a slow hash buys nothing
-- against a search of 2^80. used_at marks a spent code. They belong to the authenticator:
-- disabling TOTP (deleting its row) deletes them.
CREATE TABLE user_recovery_codes (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES user_totp(user_id) ON DELETE CASCADE,
  code_hash  VARCHAR(64) NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  used_at    TIMESTAMPTZ,
  CONSTRAINT user_recovery_codes_hash_format CHECK (code_hash ~ '^[0-9a-f]{64}$'),
  CONSTRAINT user_recovery_codes_unique UNIQUE (user_id, code_hash)
);
