-- Why: user.get counted an account's followers, following and posts on every read, O(followers):
-- 12 ms for an account with 6,000 followers, most of a profile read's PostgreSQL time. The counts
-- shown count only active accounts (and, for a signed-in viewer, none in a block with the viewer),
-- so the stored counters count follows *between active accounts* exactly, maintained by triggers
-- in the writing transaction (as the post counters, 0008); the viewer's blocks are subtracted at
-- read time (a few index probes, src/modules/user/user.service.ts).
--
-- Exactness under concurrency: a follow row and an account's status change can race (a follow
-- inserted while its follower is being suspended would be counted by neither or both). The follow
-- triggers therefore read both accounts' status FOR SHARE — that waits for a status change in
-- flight and then sees its result — and a status change adjusts every counter its follows touch.
-- Counter rows are always locked in user-id order, so two writers never deadlock on them.
CREATE TABLE account_stats (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  followers_count INTEGER NOT NULL DEFAULT 0, -- follows of this account by active accounts
  following_count INTEGER NOT NULL DEFAULT 0, -- follows by this account of active accounts
  posts_count INTEGER NOT NULL DEFAULT 0       -- published, not deleted
);

-- Recomputes every row from the source rows and answers how many were wrong: the backfill below,
-- the nightly reconcile-counters job (src/jobs/content-jobs.ts) and bench/generate.ts after a bulk
-- load with triggers off.
CREATE FUNCTION account_stats_rebuild() RETURNS integer LANGUAGE sql AS $$
  WITH fixed AS (
    INSERT INTO account_stats AS s (user_id, followers_count, following_count, posts_count)
    SELECT u.id, COALESCE(fo.n, 0), COALESCE(fg.n, 0), COALESCE(po.n, 0)
    FROM users u
    LEFT JOIN (SELECT f.following_id AS id, count(*) AS n FROM user_follows f
               JOIN users a ON a.id = f.follower_id AND a.status = 'active' GROUP BY 1) fo ON fo.id = u.id
    LEFT JOIN (SELECT f.follower_id AS id, count(*) AS n FROM user_follows f
               JOIN users a ON a.id = f.following_id AND a.status = 'active' GROUP BY 1) fg ON fg.id = u.id
    LEFT JOIN (SELECT p.user_id AS id, count(*) AS n FROM posts p
               WHERE p.status = 'published' AND p.deleted_at IS NULL GROUP BY 1) po ON po.id = u.id
    ON CONFLICT (user_id) DO UPDATE SET followers_count = EXCLUDED.followers_count,
      following_count = EXCLUDED.following_count, posts_count = EXCLUDED.posts_count
    WHERE (s.followers_count, s.following_count, s.posts_count)
      IS DISTINCT FROM (EXCLUDED.followers_count, EXCLUDED.following_count, EXCLUDED.posts_count)
    RETURNING 1)
  SELECT count(*)::int FROM fixed;
$$;
SELECT account_stats_rebuild();

CREATE FUNCTION account_stats_new_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO account_stats (user_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER account_stats_new_user AFTER INSERT ON users
  FOR EACH ROW EXECUTE FUNCTION account_stats_new_user();

-- A follow counts for the followee's followers while the follower is active, and for the
-- follower's following while the followee is active.
CREATE FUNCTION account_stats_follow() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  follower bigint;
  followee bigint;
  delta int;
  follower_active boolean := false;
  followee_active boolean := false;
  r record;
BEGIN
  IF TG_OP = 'DELETE' THEN
    follower := OLD.follower_id; followee := OLD.following_id; delta := -1;
  ELSE
    follower := NEW.follower_id; followee := NEW.following_id; delta := 1;
  END IF;
  -- Both accounts' status, locked in id order; an account purged in this transaction is not found
  -- (its follows were settled when it stopped being active, account_stats_status).
  FOR r IN SELECT id, status FROM users WHERE id IN (follower, followee) ORDER BY id FOR SHARE LOOP
    IF r.id = follower THEN follower_active := r.status = 'active'; ELSE followee_active := r.status = 'active'; END IF;
  END LOOP;
  IF follower < followee AND followee_active THEN
    UPDATE account_stats SET following_count = GREATEST(following_count + delta, 0) WHERE user_id = follower;
  END IF;
  IF follower_active THEN
    UPDATE account_stats SET followers_count = GREATEST(followers_count + delta, 0) WHERE user_id = followee;
  END IF;
  IF follower > followee AND followee_active THEN
    UPDATE account_stats SET following_count = GREATEST(following_count + delta, 0) WHERE user_id = follower;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER account_stats_follow AFTER INSERT OR DELETE ON user_follows
  FOR EACH ROW EXECUTE FUNCTION account_stats_follow();

-- An account becoming active or inactive (or purged while active) adds or removes itself from the
-- counters of every account it follows or is followed by; its own counters stay exact throughout.
CREATE FUNCTION account_stats_status() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was_active boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'active';
  is_active boolean := TG_OP = 'UPDATE' AND NEW.status = 'active';
  delta int := CASE WHEN TG_OP = 'UPDATE' AND NEW.status = 'active' THEN 1 ELSE -1 END;
  uid bigint := OLD.id;
BEGIN
  IF was_active <> is_active THEN
    PERFORM 1 FROM account_stats s WHERE s.user_id IN (
        SELECT f.following_id FROM user_follows f WHERE f.follower_id = uid
        UNION SELECT f.follower_id FROM user_follows f WHERE f.following_id = uid)
      ORDER BY s.user_id FOR UPDATE;
    -- Joined to users: a neighbour purged earlier in the same statement has no counters to keep.
    UPDATE account_stats s SET followers_count = GREATEST(s.followers_count + delta, 0)
      FROM user_follows f JOIN users n ON n.id = f.following_id WHERE f.follower_id = uid AND s.user_id = f.following_id;
    UPDATE account_stats s SET following_count = GREATEST(s.following_count + delta, 0)
      FROM user_follows f JOIN users n ON n.id = f.follower_id WHERE f.following_id = uid AND s.user_id = f.follower_id;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; -- BEFORE DELETE: let the delete happen
  RETURN NULL;
END $$;
CREATE TRIGGER account_stats_status AFTER UPDATE OF status ON users
  FOR EACH ROW EXECUTE FUNCTION account_stats_status();
CREATE TRIGGER account_stats_purge BEFORE DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION account_stats_status();

-- posts_count: published and not deleted.
CREATE FUNCTION account_stats_post() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  was boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' AND OLD.deleted_at IS NULL;
  now_counted boolean := TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'published' AND NEW.deleted_at IS NULL;
BEGIN
  IF was AND NOT now_counted THEN
    UPDATE account_stats SET posts_count = GREATEST(posts_count - 1, 0) WHERE user_id = OLD.user_id;
  ELSIF now_counted AND NOT was THEN
    UPDATE account_stats SET posts_count = posts_count + 1 WHERE user_id = NEW.user_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER account_stats_post AFTER INSERT OR DELETE OR UPDATE OF status, deleted_at ON posts
  FOR EACH ROW EXECUTE FUNCTION account_stats_post();
