-- Phase 2 (content & social): a friendship exists exactly while both follows exist.
-- Race: when A->B and B->A are inserted at the same moment, neither transaction sees the other's
-- uncommitted row. Each trigger therefore first takes a transaction-scoped advisory lock on the
-- unordered pair; the second one waits for the first to commit and then, under READ COMMITTED,
-- its fresh statement snapshot sees the reverse follow and creates the friendship.
CREATE OR REPLACE FUNCTION lock_user_pair(a bigint, b bigint) RETURNS void
LANGUAGE sql AS $$
  SELECT pg_advisory_xact_lock(hashtextextended('vrss:pair:' || LEAST(a, b) || ':' || GREATEST(a, b), 0))
$$;

CREATE OR REPLACE FUNCTION create_friendship_on_mutual_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_user_pair(NEW.follower_id, NEW.following_id);
  IF EXISTS (SELECT 1 FROM user_follows
             WHERE follower_id = NEW.following_id AND following_id = NEW.follower_id) THEN
    INSERT INTO friendships (user_id_1, user_id_2)
    VALUES (LEAST(NEW.follower_id, NEW.following_id), GREATEST(NEW.follower_id, NEW.following_id))
    ON CONFLICT (user_id_1, user_id_2) DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION remove_friendship_on_unfollow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM lock_user_pair(OLD.follower_id, OLD.following_id);
  DELETE FROM friendships
  WHERE user_id_1 = LEAST(OLD.follower_id, OLD.following_id)
    AND user_id_2 = GREATEST(OLD.follower_id, OLD.following_id);
  RETURN NULL;
END;
$$;

CREATE TRIGGER trigger_create_friendship AFTER INSERT ON user_follows
  FOR EACH ROW EXECUTE FUNCTION create_friendship_on_mutual_follow();
CREATE TRIGGER trigger_remove_friendship AFTER DELETE ON user_follows
  FOR EACH ROW EXECUTE FUNCTION remove_friendship_on_unfollow();
