-- Phase 1 (foundation): accounts and their profiles, as the spec's users / user_profiles tables.
-- Beyond the spec: case-insensitive uniqueness of username and email (expression indexes), and a
-- text_pattern_ops index for prefix search, because "Alice" and "alice" must not be two accounts.
CREATE TABLE users (
  id             BIGSERIAL PRIMARY KEY,
  username       VARCHAR(30)  NOT NULL UNIQUE,
  email          VARCHAR(255) NOT NULL UNIQUE,
  email_verified BOOLEAN      NOT NULL DEFAULT FALSE,
  password_hash  VARCHAR(255) NOT NULL,
  status         VARCHAR(20)  NOT NULL DEFAULT 'active',
  created_at     TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
  updated_at     TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
  last_login_at  TIMESTAMPTZ,
  deleted_at     TIMESTAMPTZ,
  CONSTRAINT users_username_length CHECK (LENGTH(username) BETWEEN 3 AND 30),
  CONSTRAINT users_username_format CHECK (username ~ '^[a-zA-Z0-9_]+$'),
  CONSTRAINT users_status_valid CHECK (status IN ('active', 'suspended', 'deleted'))
);
CREATE INDEX idx_users_email ON users (email);
CREATE INDEX idx_users_status ON users (status) WHERE status = 'active';
CREATE UNIQUE INDEX users_username_lower_key ON users (LOWER(username));
CREATE UNIQUE INDEX users_email_lower_key ON users (LOWER(email));
CREATE INDEX users_username_prefix_idx ON users (LOWER(username) text_pattern_ops);
CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE user_profiles (
  id                BIGSERIAL PRIMARY KEY,
  user_id           BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  display_name      VARCHAR(100),
  bio               TEXT,
  age               INTEGER,
  location          VARCHAR(100),
  website           VARCHAR(500),
  visibility        VARCHAR(20) NOT NULL DEFAULT 'public',
  background_config JSONB NOT NULL DEFAULT '{}',
  music_config      JSONB,
  style_config      JSONB NOT NULL DEFAULT '{}',
  layout_config     JSONB NOT NULL DEFAULT '{"sections": []}',
  created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT user_profiles_visibility_valid CHECK (visibility IN ('public', 'followers', 'private')),
  CONSTRAINT user_profiles_age_valid CHECK (age IS NULL OR (age >= 13 AND age <= 120))
);
CREATE INDEX idx_user_profiles_visibility ON user_profiles (visibility) WHERE visibility != 'private';
CREATE INDEX idx_user_profiles_style_config_gin ON user_profiles USING GIN (style_config);
CREATE INDEX user_profiles_display_name_prefix_idx ON user_profiles (LOWER(display_name) text_pattern_ops);
CREATE TRIGGER user_profiles_set_updated_at BEFORE UPDATE ON user_profiles
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
