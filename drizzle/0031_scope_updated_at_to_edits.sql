-- Fix: every like, comment or repost updates posts.<counter> through a trigger, which also fired
-- posts_set_updated_at, so updated_at meant "last touched by anyone" instead of "last edited".
-- For posts and comments the trigger now fires only when an editable column is in the UPDATE.
DROP TRIGGER posts_set_updated_at ON posts;
CREATE TRIGGER posts_set_updated_at BEFORE UPDATE OF
  type, status, title, content, content_html, media_urls, thumbnail_url, published_at, scheduled_for, deleted_at
  ON posts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
DROP TRIGGER comments_set_updated_at ON comments;
CREATE TRIGGER comments_set_updated_at BEFORE UPDATE OF content, content_html, deleted_at
  ON comments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
