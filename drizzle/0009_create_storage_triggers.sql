-- Phase 2 (content & social): storage_usage follows post_media row by row, in the inserting
-- transaction. Breakdown buckets: image and gif -> images_bytes, video -> videos_bytes,
-- audio -> audio_bytes, document -> other_bytes; so the four buckets always sum to used_bytes.
CREATE OR REPLACE FUNCTION storage_bucket_delta(kind media_type, bucket text, bytes bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN bucket = 'images' AND kind IN ('image', 'gif') THEN bytes
    WHEN bucket = 'videos' AND kind = 'video' THEN bytes
    WHEN bucket = 'audio'  AND kind = 'audio' THEN bytes
    WHEN bucket = 'other'  AND kind = 'document' THEN bytes
    ELSE 0 END
$$;

CREATE OR REPLACE FUNCTION update_storage_on_media_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE storage_usage SET
    used_bytes   = used_bytes + NEW.file_size_bytes,
    images_bytes = images_bytes + storage_bucket_delta(NEW.type, 'images', NEW.file_size_bytes),
    videos_bytes = videos_bytes + storage_bucket_delta(NEW.type, 'videos', NEW.file_size_bytes),
    audio_bytes  = audio_bytes  + storage_bucket_delta(NEW.type, 'audio',  NEW.file_size_bytes),
    other_bytes  = other_bytes  + storage_bucket_delta(NEW.type, 'other',  NEW.file_size_bytes)
  WHERE user_id = NEW.user_id;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION update_storage_on_media_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE storage_usage SET
    used_bytes   = GREATEST(used_bytes - OLD.file_size_bytes, 0),
    images_bytes = GREATEST(images_bytes - storage_bucket_delta(OLD.type, 'images', OLD.file_size_bytes), 0),
    videos_bytes = GREATEST(videos_bytes - storage_bucket_delta(OLD.type, 'videos', OLD.file_size_bytes), 0),
    audio_bytes  = GREATEST(audio_bytes  - storage_bucket_delta(OLD.type, 'audio',  OLD.file_size_bytes), 0),
    other_bytes  = GREATEST(other_bytes  - storage_bucket_delta(OLD.type, 'other',  OLD.file_size_bytes), 0)
  WHERE user_id = OLD.user_id;
  RETURN NULL;
END;
$$;

CREATE TRIGGER trigger_update_storage_insert AFTER INSERT ON post_media
  FOR EACH ROW EXECUTE FUNCTION update_storage_on_media_insert();
CREATE TRIGGER trigger_update_storage_delete AFTER DELETE ON post_media
  FOR EACH ROW EXECUTE FUNCTION update_storage_on_media_delete();
