-- Fix: storage_usage followed post_media only on INSERT and DELETE, so an UPDATE of a row's size,
-- type or owner left the quota wrong. An update now counts as removing the old row and adding the new.
CREATE OR REPLACE FUNCTION update_storage_on_media_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM update_storage_on_media_delete_row(OLD);
  PERFORM update_storage_on_media_insert_row(NEW);
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION update_storage_on_media_insert_row(m post_media) RETURNS void
LANGUAGE sql AS $$
  UPDATE storage_usage SET
    used_bytes   = used_bytes + m.file_size_bytes,
    images_bytes = images_bytes + storage_bucket_delta(m.type, 'images', m.file_size_bytes),
    videos_bytes = videos_bytes + storage_bucket_delta(m.type, 'videos', m.file_size_bytes),
    audio_bytes  = audio_bytes  + storage_bucket_delta(m.type, 'audio',  m.file_size_bytes),
    other_bytes  = other_bytes  + storage_bucket_delta(m.type, 'other',  m.file_size_bytes)
  WHERE user_id = m.user_id
$$;

CREATE OR REPLACE FUNCTION update_storage_on_media_delete_row(m post_media) RETURNS void
LANGUAGE sql AS $$
  UPDATE storage_usage SET
    used_bytes   = GREATEST(used_bytes - m.file_size_bytes, 0),
    images_bytes = GREATEST(images_bytes - storage_bucket_delta(m.type, 'images', m.file_size_bytes), 0),
    videos_bytes = GREATEST(videos_bytes - storage_bucket_delta(m.type, 'videos', m.file_size_bytes), 0),
    audio_bytes  = GREATEST(audio_bytes  - storage_bucket_delta(m.type, 'audio',  m.file_size_bytes), 0),
    other_bytes  = GREATEST(other_bytes  - storage_bucket_delta(m.type, 'other',  m.file_size_bytes), 0)
  WHERE user_id = m.user_id
$$;

CREATE TRIGGER trigger_update_storage_update AFTER UPDATE OF file_size_bytes, type, user_id ON post_media
  FOR EACH ROW EXECUTE FUNCTION update_storage_on_media_update();
