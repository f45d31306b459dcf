-- Beyond the spec: subscription.cancel keeps the paid quota through a 30-day grace period, then the
-- expire-grace-periods job returns the user to the Free quota. current_period_end stays what was
-- paid for; the end of the grace is its own column, set only on a canceled (or since expired) row.
-- The partial index serves the job's "canceled and grace over" scan.
ALTER TABLE user_subscriptions ADD COLUMN grace_ends_at TIMESTAMPTZ;
ALTER TABLE user_subscriptions ADD CONSTRAINT user_subscriptions_grace_only_when_canceled
  CHECK (grace_ends_at IS NULL OR status IN ('canceled', 'expired'));
CREATE INDEX user_subscriptions_grace_due_idx ON user_subscriptions (grace_ends_at)
  WHERE status = 'canceled' AND grace_ends_at IS NOT NULL;
