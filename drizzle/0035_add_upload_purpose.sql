-- Beyond the spec: an upload is either post media (attached by post.create, or abandoned and swept
-- after a day) or profile media (a background image/video, kept while the owner keeps it). The
-- cleanup jobs need to tell them apart.
ALTER TABLE upload_reservations ADD COLUMN purpose VARCHAR(20) NOT NULL DEFAULT 'post';
ALTER TABLE upload_reservations ADD CONSTRAINT upload_reservations_purpose_valid CHECK (purpose IN ('post', 'profile'));
CREATE INDEX upload_reservations_attached_orphan_idx ON upload_reservations (id) WHERE status = 'attached' AND media_id IS NULL;
