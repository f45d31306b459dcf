-- Phase 3 (features): user-built feeds. algorithm_config is the source of truth as the client sent
-- it (after validation); feed_filters is its normalized copy, rewritten in the same transaction.
CREATE TYPE filter_type AS ENUM ('post_type', 'author', 'tag', 'date_range', 'engagement');
CREATE TYPE filter_operator AS ENUM ('equals', 'not_equals', 'contains', 'greater_than', 'less_than', 'in_range');

CREATE TABLE custom_feeds (
  id               BIGSERIAL PRIMARY KEY,
  user_id          BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name             VARCHAR(100) NOT NULL,
  description      TEXT,
  algorithm_config JSONB NOT NULL,
  is_default       BOOLEAN NOT NULL DEFAULT FALSE,
  display_order    INTEGER NOT NULL DEFAULT 0,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT custom_feeds_name_not_empty CHECK (LENGTH(TRIM(name)) > 0),
  CONSTRAINT custom_feeds_user_name_unique UNIQUE (user_id, name)
);
CREATE INDEX idx_custom_feeds_user ON custom_feeds (user_id, display_order);
CREATE TRIGGER custom_feeds_set_updated_at BEFORE UPDATE ON custom_feeds
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE feed_filters (
  id               BIGSERIAL PRIMARY KEY,
  feed_id          BIGINT NOT NULL REFERENCES custom_feeds(id) ON DELETE CASCADE,
  type             filter_type NOT NULL,
  operator         filter_operator NOT NULL,
  value            JSONB NOT NULL,
  group_id         INTEGER NOT NULL DEFAULT 0,
  logical_operator VARCHAR(10) NOT NULL DEFAULT 'AND',
  display_order    INTEGER NOT NULL DEFAULT 0,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT feed_filters_logical_operator_valid CHECK (logical_operator IN ('AND', 'OR', 'NOT'))
);
CREATE INDEX idx_feed_filters_feed ON feed_filters (feed_id, group_id, display_order);
CREATE INDEX idx_feed_filters_type ON feed_filters (type, feed_id);
