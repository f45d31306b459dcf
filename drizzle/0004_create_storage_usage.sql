-- Phase 1 (foundation): per-user quota accounting, kept by the post_media triggers (0010).
CREATE TABLE storage_usage (
  id                 BIGSERIAL PRIMARY KEY,
  user_id            BIGINT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
  used_bytes         BIGINT NOT NULL DEFAULT 0,
  quota_bytes        BIGINT NOT NULL DEFAULT 52428800,
  images_bytes       BIGINT NOT NULL DEFAULT 0,
  videos_bytes       BIGINT NOT NULL DEFAULT 0,
  audio_bytes        BIGINT NOT NULL DEFAULT 0,
  other_bytes        BIGINT NOT NULL DEFAULT 0,
  last_calculated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  created_at         TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT storage_usage_positive CHECK (used_bytes >= 0),
  CONSTRAINT storage_usage_quota_positive CHECK (quota_bytes > 0)
);
CREATE TRIGGER storage_usage_set_updated_at BEFORE UPDATE ON storage_usage
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
