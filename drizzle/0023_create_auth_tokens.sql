-- Beyond the spec: the spec's user creation "sends email verification" and users.email_verified
-- exists, but nothing holds the tokens. Email-verification and password-reset tokens are single-use
-- and expiring; like session tokens only their SHA-256 hash is stored.
CREATE TABLE auth_tokens (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose    VARCHAR(30) NOT NULL,
  token_hash VARCHAR(64) NOT NULL UNIQUE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ,
  CONSTRAINT auth_tokens_purpose_valid CHECK (purpose IN ('verify_email', 'reset_password')),
  CONSTRAINT auth_tokens_token_hash_format CHECK (token_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id, purpose) WHERE used_at IS NULL;
