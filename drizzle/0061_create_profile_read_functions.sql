-- Why functions: a profile read (user.get, and every procedure that resolves a username) asked two
-- statements that cost more to plan than to run, and behind PgBouncer in transaction mode every
-- unnamed statement is planned again. A PL/pgSQL function's statements are planned once per server
-- connection (as post_facts, 0059).
--
-- account_relation: whether the account is active and how the viewer relates to it.
CREATE FUNCTION account_relation(p_target bigint, p_viewer bigint)
RETURNS TABLE (active boolean, follow_requested boolean, is_following boolean, follows_you boolean,
               is_blocked boolean, blocks_you boolean, is_muted boolean)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY SELECT
    EXISTS (SELECT 1 FROM users WHERE id = p_target AND status = 'active'),
    EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = p_viewer AND target_id = p_target),
    EXISTS (SELECT 1 FROM user_follows WHERE follower_id = p_viewer AND following_id = p_target),
    EXISTS (SELECT 1 FROM user_follows WHERE follower_id = p_target AND following_id = p_viewer),
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = p_viewer AND blocked_id = p_target),
    EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = p_target AND blocked_id = p_viewer),
    EXISTS (SELECT 1 FROM user_mutes WHERE muter_id = p_viewer AND muted_id = p_target);
END
$$;

-- profile_counts: the counters of account_stats (0060: follows by/of active accounts, published
-- posts) less the accounts in a block with the viewer, which the viewer does not see in the lists
-- either. A viewer has few blocks: a handful of index probes instead of counting every follow.
CREATE FUNCTION profile_counts(p_target bigint, p_viewer bigint)
RETURNS TABLE (followers int, following int, posts int)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  WITH blocked AS (
    SELECT b.blocked_id AS id FROM user_blocks b WHERE b.blocker_id = p_viewer
    UNION SELECT b.blocker_id FROM user_blocks b WHERE b.blocked_id = p_viewer)
  SELECT
    s.followers_count - (SELECT count(*)::int FROM blocked x
      JOIN user_follows f ON f.follower_id = x.id AND f.following_id = p_target
      JOIN users a ON a.id = x.id AND a.status = 'active'),
    s.following_count - (SELECT count(*)::int FROM blocked x
      JOIN user_follows f ON f.following_id = x.id AND f.follower_id = p_target
      JOIN users a ON a.id = x.id AND a.status = 'active'),
    s.posts_count
  FROM account_stats s WHERE s.user_id = p_target;
END
$$;
