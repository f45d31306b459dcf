-- Phase 1 (foundation): the reference table of storage tiers. New users' quota is read from the
-- Free row, so it must exist before the user bootstrap trigger.
CREATE TABLE subscription_tiers (
  id                  BIGSERIAL PRIMARY KEY,
  name                VARCHAR(50) NOT NULL UNIQUE,
  description         TEXT,
  storage_bytes       BIGINT NOT NULL,
  price_monthly_cents INTEGER NOT NULL,
  is_active           BOOLEAN NOT NULL DEFAULT TRUE,
  created_at          TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT subscription_tiers_storage_positive CHECK (storage_bytes > 0),
  CONSTRAINT subscription_tiers_price_positive CHECK (price_monthly_cents >= 0)
);
CREATE TRIGGER subscription_tiers_set_updated_at BEFORE UPDATE ON subscription_tiers
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
