-- Phase 1 (foundation): every user gets a profile row and a free-tier storage row in the same
-- transaction that creates them, whoever inserts the user (registration, seed, tests). The quota
-- comes from the Free tier so a price-list change needs no code change.
CREATE OR REPLACE FUNCTION bootstrap_new_user() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO user_profiles (user_id) VALUES (NEW.id) ON CONFLICT (user_id) DO NOTHING;
  INSERT INTO storage_usage (user_id, quota_bytes)
  VALUES (NEW.id, COALESCE((SELECT storage_bytes FROM subscription_tiers WHERE name = 'Free'), 52428800))
  ON CONFLICT (user_id) DO NOTHING;
  RETURN NEW;
END;
$$;
CREATE TRIGGER users_bootstrap AFTER INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION bootstrap_new_user();
