-- post_facts (0059) also returns the polls of the posts, with the viewer's own vote (issue 19):
-- a timeline page or a post with a poll then needs no statement of its own for it (measured on the
-- bench data with 5% of text posts carrying a poll, the separate statement raised PostgreSQL time
-- of feed.home from ~0.5 to ~0.9–1.5 ms a request: a fresh plan per call behind the pooler). Poll
-- tallies change with every vote, so they cannot be cached with the content; here they cost an
-- index probe per candidate inside the cached plan. The return type changes: drop and create.
DROP FUNCTION post_facts(bigint[], bigint[], bigint);
CREATE FUNCTION post_facts(p_posts bigint[], p_reposts bigint[], p_viewer bigint)
RETURNS TABLE (posts json, reposts json, actors json, flags json, mine json, polls json)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN QUERY
  WITH c AS MATERIALIZED (SELECT DISTINCT x.id FROM unnest(p_posts) AS x(id)),
  pp AS MATERIALIZED (
    SELECT p.id, p.user_id, p.status, p.deleted_at, p.published_at, p.updated_at,
           p.likes_count, p.comments_count, p.reposts_count, p.views_count
    FROM c JOIN posts p ON p.id = c.id),
  rr AS MATERIALIZED (
    SELECT r.id, r.post_id, r.user_id, r.created_at, r.comment
    FROM unnest(p_reposts) AS x(id) JOIN reposts r ON r.id = x.id),
  aa AS (SELECT pp.user_id AS id FROM pp UNION SELECT rr.user_id FROM rr)
  SELECT
    (SELECT COALESCE(json_agg(json_build_object('id', pp.id::text, 'u', pp.user_id::text, 'st', pp.status,
       'del', pp.deleted_at IS NOT NULL, 'ts', pp.published_at::text, 'up', pp.updated_at::text, 'l', pp.likes_count,
       'c', pp.comments_count, 'r', pp.reposts_count, 'v', pp.views_count)), '[]'::json)
     FROM pp),
    (SELECT COALESCE(json_agg(json_build_object('id', rr.id::text, 'p', rr.post_id::text, 'u', rr.user_id::text,
       'ts', rr.created_at::text, 'c', rr.comment)), '[]'::json)
     FROM rr),
    (SELECT COALESCE(json_agg(json_build_object('id', u.id::text, 'active', u.status = 'active', 'vis', pr.visibility,
       'name', u.username, 'dn', pr.display_name,
       'f', EXISTS (SELECT 1 FROM user_follows f WHERE f.follower_id = p_viewer AND f.following_id = u.id),
       'm', EXISTS (SELECT 1 FROM user_mutes m WHERE m.muter_id = p_viewer AND m.muted_id = u.id),
       'b', EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = p_viewer AND b.blocked_id = u.id)
            OR EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = u.id AND b.blocked_id = p_viewer))), '[]'::json)
     FROM aa JOIN users u ON u.id = aa.id JOIN user_profiles pr ON pr.user_id = u.id),
    (SELECT COALESCE(json_agg(json_build_object('p', i.post_id::text, 't', i.type::text)), '[]'::json)
     FROM c JOIN post_interactions i ON i.user_id = p_viewer AND i.post_id = c.id),
    (SELECT COALESCE(json_agg(r.post_id::text), '[]'::json)
     FROM c JOIN reposts r ON r.user_id = p_viewer AND r.post_id = c.id),
    (SELECT COALESCE(json_agg(json_build_object('post_id', pl.post_id::text, 'id', pl.id::text, 'options', pl.options,
       'option_votes', pl.option_votes, 'multiple', pl.multiple, 'expires_at', pl.expires_at::text,
       'expired', pl.expires_at IS NOT NULL AND pl.expires_at <= NOW(), 'votes_count', pl.votes_count,
       'voters_count', pl.voters_count, 'author_id', pp.user_id::text, 'choices', v.choices)), '[]'::json)
     FROM pp JOIN polls pl ON pl.post_id = pp.id
     LEFT JOIN poll_votes v ON v.poll_id = pl.id AND v.user_id = p_viewer);
END
$$;
