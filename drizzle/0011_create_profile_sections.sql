-- Phase 3 (features): the sections a user arranges on their profile, and the items inside static ones.
CREATE TYPE section_type AS ENUM ('feed', 'gallery', 'links', 'static_text', 'static_image', 'video',
  'reposts', 'friends', 'followers', 'following', 'list');

CREATE TABLE profile_sections (
  id            BIGSERIAL PRIMARY KEY,
  user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  type          section_type NOT NULL,
  title         VARCHAR(100) NOT NULL,
  description   TEXT,
  config        JSONB NOT NULL DEFAULT '{}',
  display_order INTEGER NOT NULL DEFAULT 0,
  is_visible    BOOLEAN NOT NULL DEFAULT TRUE,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT profile_sections_title_not_empty CHECK (LENGTH(TRIM(title)) > 0)
);
CREATE INDEX idx_profile_sections_user_order ON profile_sections (user_id, display_order) WHERE is_visible = TRUE;
CREATE TRIGGER profile_sections_set_updated_at BEFORE UPDATE ON profile_sections
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE section_content (
  id            BIGSERIAL PRIMARY KEY,
  section_id    BIGINT NOT NULL REFERENCES profile_sections(id) ON DELETE CASCADE,
  content_type  VARCHAR(50) NOT NULL,
  title         VARCHAR(200),
  content       TEXT,
  url           VARCHAR(500),
  display_order INTEGER NOT NULL DEFAULT 0,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT section_content_type_valid CHECK (content_type IN ('text', 'link', 'image', 'embed'))
);
CREATE INDEX idx_section_content_section_order ON section_content (section_id, display_order);
CREATE TRIGGER section_content_set_updated_at BEFORE UPDATE ON section_content
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
