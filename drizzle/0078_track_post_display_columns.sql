-- updated_at is "the last change to what the post shows" (0031): the per-process content cache
-- (post.facts.ts) is keyed by it. The columns issue 19 adds change what a post shows, so writing
-- them bumps it too; a comment's spoiler text likewise.
DROP TRIGGER posts_set_updated_at ON posts;
CREATE TRIGGER posts_set_updated_at BEFORE UPDATE OF
  type, status, title, content, content_html, media_urls, thumbnail_url, published_at, scheduled_for, deleted_at,
  spoiler_text, edited_at, pinned_at, quote_of_post_id, quote_detached_at
  ON posts FOR EACH ROW EXECUTE FUNCTION set_updated_at();
DROP TRIGGER comments_set_updated_at ON comments;
CREATE TRIGGER comments_set_updated_at BEFORE UPDATE OF content, content_html, deleted_at, spoiler_text
  ON comments FOR EACH ROW EXECUTE FUNCTION set_updated_at();
