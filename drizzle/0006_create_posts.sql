-- Phase 2 (content & social): posts and their media files. Beyond the spec's CHECKs: a text post's
-- content must be non-blank (not merely non-NULL) and a scheduled post must say when.
CREATE TYPE post_type AS ENUM ('text_short', 'text_long', 'image', 'image_gallery', 'gif',
  'video_short', 'video_long', 'song', 'album');
CREATE TYPE post_status AS ENUM ('draft', 'published', 'scheduled', 'deleted');
CREATE TYPE media_type AS ENUM ('image', 'gif', 'video', 'audio', 'document');

CREATE TABLE posts (
  id             BIGSERIAL PRIMARY KEY,
  user_id        BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type           post_type NOT NULL,
  status         post_status NOT NULL DEFAULT 'published',
  title          VARCHAR(200),
  content        TEXT,
  content_html   TEXT,
  media_urls     JSONB,
  thumbnail_url  VARCHAR(500),
  likes_count    INTEGER NOT NULL DEFAULT 0,
  comments_count INTEGER NOT NULL DEFAULT 0,
  reposts_count  INTEGER NOT NULL DEFAULT 0,
  views_count    INTEGER NOT NULL DEFAULT 0,
  published_at   TIMESTAMPTZ,
  scheduled_for  TIMESTAMPTZ,
  created_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  deleted_at     TIMESTAMPTZ,
  CONSTRAINT posts_title_length CHECK (title IS NULL OR LENGTH(title) <= 200),
  CONSTRAINT posts_content_required CHECK (
    type NOT IN ('text_short', 'text_long') OR (content IS NOT NULL AND LENGTH(BTRIM(content)) > 0)),
  CONSTRAINT posts_published_at_check CHECK (status <> 'published' OR published_at IS NOT NULL),
  CONSTRAINT posts_scheduled_for_check CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL)
);
CREATE INDEX idx_posts_user_created ON posts (user_id, created_at DESC, status) WHERE deleted_at IS NULL;
CREATE INDEX idx_posts_type_created ON posts (type, created_at DESC) WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX idx_posts_engagement_created ON posts (likes_count DESC, created_at DESC) WHERE status = 'published';
CREATE INDEX idx_posts_user_status ON posts (user_id, status, created_at DESC);
CREATE INDEX idx_posts_media_urls_gin ON posts USING GIN (media_urls);
CREATE TRIGGER posts_set_updated_at BEFORE UPDATE ON posts
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE post_media (
  id               BIGSERIAL PRIMARY KEY,
  post_id          BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  user_id          BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type             media_type NOT NULL,
  file_url         VARCHAR(500) NOT NULL,
  file_size_bytes  BIGINT NOT NULL,
  mime_type        VARCHAR(100) NOT NULL,
  width            INTEGER,
  height           INTEGER,
  duration_seconds INTEGER,
  thumbnail_url    VARCHAR(500),
  display_order    INTEGER NOT NULL DEFAULT 0,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT post_media_file_size_positive CHECK (file_size_bytes > 0)
);
CREATE INDEX idx_post_media_post ON post_media (post_id, display_order);
CREATE INDEX idx_post_media_user_size ON post_media (user_id, created_at DESC);
