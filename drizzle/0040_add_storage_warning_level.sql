-- Beyond the spec: storage warnings (80% "Storage Warning", 95% "Storage Almost Full") must be sent
-- once per crossing, not on every upload above the line. warning_level remembers the last level the
-- user was warned at; checkStorageWarnings raises it with a compare-and-set UPDATE (and notifies)
-- and lowers it when usage falls back, so a later re-crossing warns again. Existing rows start at 0:
-- a user already above a line is warned once, at the next check.
ALTER TABLE storage_usage ADD COLUMN warning_level SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE storage_usage ADD CONSTRAINT storage_usage_warning_level_valid CHECK (warning_level IN (0, 80, 95));
