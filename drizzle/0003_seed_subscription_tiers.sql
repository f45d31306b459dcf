-- Phase 1 (foundation): the spec's four tiers are reference data every environment needs, so a
-- migration (not the dev seed) inserts them. ON CONFLICT keeps it harmless on a database that has them.
INSERT INTO subscription_tiers (name, description, storage_bytes, price_monthly_cents) VALUES
  ('Free',    '50 MB of media storage', 52428800,    0),
  ('Basic',   '1 GB of media storage',  1073741824,  499),
  ('Pro',     '5 GB of media storage',  5368709120,  999),
  ('Premium', '10 GB of media storage', 10737418240, 1499)
ON CONFLICT (name) DO NOTHING;
