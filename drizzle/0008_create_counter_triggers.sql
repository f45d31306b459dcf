-- Phase 2 (content & social): the denormalized post counters follow their source rows inside the
-- writing transaction, so they are exact under concurrency (the row lock on the post serializes
-- the increments). GREATEST(..., 0) keeps a counter from ever going below zero, even after a
-- manual repair left it lower than the rows that are then deleted.

-- likes_count: one per post_interactions row of type 'like'.
CREATE OR REPLACE FUNCTION update_post_likes_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.type = 'like' THEN
    UPDATE posts SET likes_count = GREATEST(likes_count - 1, 0) WHERE id = OLD.post_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.type = 'like' THEN
    UPDATE posts SET likes_count = likes_count + 1 WHERE id = NEW.post_id;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER trigger_update_post_likes_count
  AFTER INSERT OR DELETE OR UPDATE OF type, post_id ON post_interactions
  FOR EACH ROW EXECUTE FUNCTION update_post_likes_count();

-- comments_count (every live comment of the post, replies included) and the parent's
-- replies_count (its live direct replies). A comment counts while deleted_at IS NULL, so a soft
-- delete decrements and a restore increments again.
CREATE OR REPLACE FUNCTION update_comment_counts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  was_live boolean := TG_OP IN ('DELETE', 'UPDATE') AND OLD.deleted_at IS NULL;
  is_live  boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.deleted_at IS NULL;
BEGIN
  IF was_live AND (NOT is_live OR OLD.post_id IS DISTINCT FROM NEW.post_id
                   OR OLD.parent_comment_id IS DISTINCT FROM NEW.parent_comment_id) THEN
    UPDATE posts SET comments_count = GREATEST(comments_count - 1, 0) WHERE id = OLD.post_id;
    IF OLD.parent_comment_id IS NOT NULL THEN
      UPDATE comments SET replies_count = GREATEST(replies_count - 1, 0) WHERE id = OLD.parent_comment_id;
    END IF;
  END IF;
  IF is_live AND (NOT was_live OR OLD.post_id IS DISTINCT FROM NEW.post_id
                  OR OLD.parent_comment_id IS DISTINCT FROM NEW.parent_comment_id) THEN
    UPDATE posts SET comments_count = comments_count + 1 WHERE id = NEW.post_id;
    IF NEW.parent_comment_id IS NOT NULL THEN
      UPDATE comments SET replies_count = replies_count + 1 WHERE id = NEW.parent_comment_id;
    END IF;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER trigger_update_post_comments_count
  AFTER INSERT OR DELETE OR UPDATE OF deleted_at, post_id, parent_comment_id ON comments
  FOR EACH ROW EXECUTE FUNCTION update_comment_counts();

-- reposts_count: one per reposts row.
CREATE OR REPLACE FUNCTION update_post_reposts_count() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE posts SET reposts_count = GREATEST(reposts_count - 1, 0) WHERE id = OLD.post_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    UPDATE posts SET reposts_count = reposts_count + 1 WHERE id = NEW.post_id;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER trigger_update_post_reposts_count
  AFTER INSERT OR DELETE OR UPDATE OF post_id ON reposts
  FOR EACH ROW EXECUTE FUNCTION update_post_reposts_count();
