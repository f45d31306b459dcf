-- Phase 2 (content & social): the follow graph, friendships, likes/bookmarks/shares, comments and
-- reposts. The spec names both a UNIQUE constraint and a plain index on the same columns for
-- user_follows and post_interactions; both are kept so the spec's index names exist.
CREATE TYPE interaction_type AS ENUM ('like', 'bookmark', 'share');

CREATE TABLE user_follows (
  id           BIGSERIAL PRIMARY KEY,
  follower_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  following_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT user_follows_no_self_follow CHECK (follower_id != following_id),
  CONSTRAINT user_follows_unique UNIQUE (follower_id, following_id)
);
CREATE INDEX idx_user_follows_follower ON user_follows (follower_id, created_at DESC);
CREATE INDEX idx_user_follows_following ON user_follows (following_id, created_at DESC);
CREATE INDEX idx_user_follows_both ON user_follows (follower_id, following_id);

CREATE TABLE friendships (
  id         BIGSERIAL PRIMARY KEY,
  user_id_1  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  user_id_2  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT friendships_no_self CHECK (user_id_1 != user_id_2),
  CONSTRAINT friendships_ordered CHECK (user_id_1 < user_id_2),
  CONSTRAINT friendships_unique UNIQUE (user_id_1, user_id_2)
);
CREATE INDEX idx_friendships_user1 ON friendships (user_id_1, created_at DESC);
CREATE INDEX idx_friendships_user2 ON friendships (user_id_2, created_at DESC);

CREATE TABLE post_interactions (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  post_id    BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  type       interaction_type NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT post_interactions_unique UNIQUE (user_id, post_id, type)
);
CREATE INDEX idx_post_interactions_user_post ON post_interactions (user_id, post_id, type);
CREATE INDEX idx_post_interactions_post_type ON post_interactions (post_id, type, created_at DESC);

CREATE TABLE comments (
  id                BIGSERIAL PRIMARY KEY,
  post_id           BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  user_id           BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  parent_comment_id BIGINT REFERENCES comments(id) ON DELETE CASCADE,
  content           TEXT NOT NULL,
  content_html      TEXT,
  likes_count       INTEGER NOT NULL DEFAULT 0,
  replies_count     INTEGER NOT NULL DEFAULT 0,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  deleted_at        TIMESTAMPTZ,
  CONSTRAINT comments_content_not_empty CHECK (LENGTH(TRIM(content)) > 0)
);
CREATE INDEX idx_comments_post_created ON comments (post_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_comments_parent ON comments (parent_comment_id, created_at DESC) WHERE parent_comment_id IS NOT NULL;
CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON comments
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE reposts (
  id         BIGSERIAL PRIMARY KEY,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  post_id    BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  comment    TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT reposts_unique UNIQUE (user_id, post_id)
);
CREATE INDEX idx_reposts_user ON reposts (user_id, created_at DESC);
CREATE INDEX idx_reposts_post ON reposts (post_id, created_at DESC);
