-- Two-factor sign-in (issue 19): when the password of an account with TOTP is right, auth.login
-- answers an opaque challenge instead of a session; auth.loginMfa trades it and a code for the
-- session. A challenge is bound to its account, lives 5 minutes and is spent by the sign-in it
-- completes (used_at; a wrong code does not spend it, the per-account MFA rate limit bounds the
-- guesses). Like session tokens, only its SHA-256 is stored. The hourly purge drops old rows.
CREATE TABLE mfa_challenges (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash VARCHAR(64) NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ,
  CONSTRAINT mfa_challenges_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX mfa_challenges_user_idx ON mfa_challenges (user_id);
CREATE INDEX mfa_challenges_expires_idx ON mfa_challenges (expires_at);
