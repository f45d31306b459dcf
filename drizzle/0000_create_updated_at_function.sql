-- Phase 1 (foundation). One trigger function keeps every `updated_at` column honest, so no
-- code path can forget to bump it. Each table that has the column attaches it in its own migration.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := NOW();
  RETURN NEW;
END;
$$;
