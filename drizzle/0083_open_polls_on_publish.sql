-- A poll's clock starts when its post is published (0080): a draft or scheduled post's poll has
-- expires_at NULL, and publishing the post — post.publish, post.update to 'published', the
-- scheduler (every path sets status = 'published' in an UPDATE) — opens it for duration_seconds
-- from that moment, in the publishing transaction. Mastodon likewise creates a scheduled status's
-- poll only when it is published, so a poll never ends before anyone could see it.
CREATE OR REPLACE FUNCTION open_poll_on_publish() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE polls SET expires_at = NOW() + duration_seconds * interval '1 second'
  WHERE post_id = NEW.id AND expires_at IS NULL;
  RETURN NULL;
END;
$$;
CREATE TRIGGER posts_open_poll
  AFTER UPDATE OF status ON posts
  FOR EACH ROW WHEN (NEW.status = 'published' AND OLD.status IS DISTINCT FROM 'published')
  EXECUTE FUNCTION open_poll_on_publish();
