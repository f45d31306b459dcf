-- Phase 3 (features): curated lists of accounts, each usable as a timeline.
CREATE TABLE user_lists (
  id          BIGSERIAL PRIMARY KEY,
  user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name        VARCHAR(100) NOT NULL,
  description TEXT,
  is_public   BOOLEAN NOT NULL DEFAULT TRUE,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT user_lists_name_not_empty CHECK (LENGTH(TRIM(name)) > 0),
  CONSTRAINT user_lists_user_name_unique UNIQUE (user_id, name)
);
CREATE TRIGGER user_lists_set_updated_at BEFORE UPDATE ON user_lists
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE list_members (
  id             BIGSERIAL PRIMARY KEY,
  list_id        BIGINT NOT NULL REFERENCES user_lists(id) ON DELETE CASCADE,
  member_user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  added_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT list_members_unique UNIQUE (list_id, member_user_id)
);
