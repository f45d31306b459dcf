-- Beyond the spec: between media.createUpload and media.confirmUpload the bytes are not yet in
-- post_media, so parallel uploads could each pass the quota check. A reservation holds the
-- declared size against the quota (used + pending reservations <= quota, checked under
-- storage_usage FOR UPDATE) until it is confirmed or expires.
CREATE TABLE upload_reservations (
  id           BIGSERIAL PRIMARY KEY,
  user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  file_key     VARCHAR(500) NOT NULL UNIQUE,
  file_name    VARCHAR(255) NOT NULL,
  mime_type    VARCHAR(100) NOT NULL,
  media_type   media_type NOT NULL,
  size_bytes   BIGINT NOT NULL,
  status       VARCHAR(20) NOT NULL DEFAULT 'pending',
  media_id     BIGINT REFERENCES post_media(id) ON DELETE SET NULL,
  created_at   TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  expires_at   TIMESTAMPTZ NOT NULL,
  confirmed_at TIMESTAMPTZ,
  CONSTRAINT upload_reservations_size_positive CHECK (size_bytes > 0),
  CONSTRAINT upload_reservations_status_valid CHECK (status IN ('pending', 'confirmed', 'expired', 'rejected'))
);
CREATE INDEX upload_reservations_user_pending_idx ON upload_reservations (user_id) WHERE status = 'pending';
CREATE INDEX upload_reservations_expiry_idx ON upload_reservations (expires_at) WHERE status = 'pending';
