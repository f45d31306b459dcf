-- Phase 4 (communication, per the spec's phase table): subscription records. The stripe_* columns
-- stay empty until a billing provider is plugged in.
CREATE TYPE subscription_status AS ENUM ('active', 'canceled', 'expired', 'suspended');

CREATE TABLE user_subscriptions (
  id                     BIGSERIAL PRIMARY KEY,
  user_id                BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  tier_id                BIGINT NOT NULL REFERENCES subscription_tiers(id),
  status                 subscription_status NOT NULL DEFAULT 'active',
  stripe_subscription_id VARCHAR(255),
  stripe_customer_id     VARCHAR(255),
  current_period_start   TIMESTAMPTZ NOT NULL,
  current_period_end     TIMESTAMPTZ NOT NULL,
  canceled_at            TIMESTAMPTZ,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at             TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT user_subscriptions_period_valid CHECK (current_period_end >= current_period_start)
);
CREATE TRIGGER user_subscriptions_set_updated_at BEFORE UPDATE ON user_subscriptions
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
