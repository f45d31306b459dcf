-- Home timelines are materialized by fan-out on write (src/modules/feed/feed.fanout.ts), except for
-- authors with more followers than the fan-out threshold: their items are merged into followers'
-- pages at read time from the author's own recent items. This table says which authors those are,
-- so an inbox rebuilt from PostgreSQL knows which followed accounts it must not hold and merge in
-- instead. An author is added the first time a fan-out finds them over the threshold and stays
-- (a follower count hovering around it must not flip an account between the two paths).
CREATE TABLE timeline_large_authors (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  since TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
