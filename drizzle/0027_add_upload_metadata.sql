-- Beyond the spec: post_media.post_id is NOT NULL (spec), yet media is uploaded before the post
-- that uses it exists. A confirmed upload therefore waits in upload_reservations (status
-- 'confirmed', still counted against the quota) with its verified metadata, and post.create turns
-- it into a post_media row (status 'attached'), which moves the bytes into storage_usage.
ALTER TABLE upload_reservations
  ADD COLUMN file_url VARCHAR(500),
  ADD COLUMN width INTEGER,
  ADD COLUMN height INTEGER,
  ADD COLUMN duration_seconds INTEGER,
  ADD COLUMN thumbnail_url VARCHAR(500),
  ADD COLUMN attached_at TIMESTAMPTZ;
ALTER TABLE upload_reservations DROP CONSTRAINT upload_reservations_status_valid;
ALTER TABLE upload_reservations ADD CONSTRAINT upload_reservations_status_valid
  CHECK (status IN ('pending', 'confirmed', 'attached', 'expired', 'rejected'));
-- Quota held = pending + confirmed-but-unattached reservations of the user.
DROP INDEX upload_reservations_user_pending_idx;
CREATE INDEX upload_reservations_user_held_idx ON upload_reservations (user_id) WHERE status IN ('pending', 'confirmed');
