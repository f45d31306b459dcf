-- Fan-out of new items into materialized home timelines must survive a crash between the write's
-- commit and the fan-out (which runs right after it, src/modules/feed/feed.fanout.ts): a trigger
-- queues every post that becomes visible (published, or restored) and every new repost in the
-- same transaction as the write itself. The request fans the item out and deletes its row; the
-- timeline-fanout job picks up rows the request did not get to (its process died) after a few
-- seconds. Fan-out is idempotent, so an item fanned out twice is harmless.
CREATE TABLE timeline_fanout (
  id BIGSERIAL PRIMARY KEY,
  kind SMALLINT NOT NULL, -- 0 a post, 1 a repost
  item_id BIGINT NOT NULL,
  author_id BIGINT NOT NULL,
  enqueued_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT timeline_fanout_kind_valid CHECK (kind IN (0, 1))
);
CREATE INDEX timeline_fanout_item_idx ON timeline_fanout (kind, item_id);

CREATE FUNCTION timeline_fanout_post() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'published' AND NEW.deleted_at IS NULL
     AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM 'published' OR OLD.deleted_at IS NOT NULL) THEN
    INSERT INTO timeline_fanout (kind, item_id, author_id) VALUES (0, NEW.id, NEW.user_id);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER posts_timeline_fanout AFTER INSERT OR UPDATE OF status, deleted_at ON posts
  FOR EACH ROW EXECUTE FUNCTION timeline_fanout_post();

CREATE FUNCTION timeline_fanout_repost() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO timeline_fanout (kind, item_id, author_id) VALUES (1, NEW.id, NEW.user_id);
  RETURN NULL;
END $$;
CREATE TRIGGER reposts_timeline_fanout AFTER INSERT ON reposts
  FOR EACH ROW EXECUTE FUNCTION timeline_fanout_repost();
