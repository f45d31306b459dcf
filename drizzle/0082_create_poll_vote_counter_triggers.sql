-- The poll tallies (polls.option_votes, votes_count, voters_count) follow the poll_votes rows
-- inside the writing transaction, like the post counters (0008), so they are exact under
-- concurrency: the update of the poll row serializes them (poll.vote takes that row lock first).
-- Statement-level triggers over the transition tables: the bulk deletes — an edit that changes
-- the options drops every vote of the poll, an account's purge drops its votes in every poll —
-- update each poll row once per statement instead of once per vote. GREATEST(…, 0) keeps a tally
-- from going below zero after a manual repair. Votes are final, so a row is never updated: a
-- trigger refuses UPDATE (a changed choice would leave the tallies wrong).
CREATE OR REPLACE FUNCTION update_poll_tallies() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    WITH d AS (
      SELECT n.poll_id, count(*)::int AS voters, sum(cardinality(n.choices))::int AS votes,
             ARRAY[count(*) FILTER (WHERE 0 = ANY (n.choices)), count(*) FILTER (WHERE 1 = ANY (n.choices)),
                   count(*) FILTER (WHERE 2 = ANY (n.choices)), count(*) FILTER (WHERE 3 = ANY (n.choices))]::int[] AS per
      FROM new_votes n GROUP BY n.poll_id)
    UPDATE polls pl SET
      voters_count = pl.voters_count + d.voters,
      votes_count = pl.votes_count + d.votes,
      option_votes = ARRAY(SELECT t.v + d.per[t.i] FROM unnest(pl.option_votes) WITH ORDINALITY AS t(v, i) ORDER BY t.i)
    FROM d WHERE pl.id = d.poll_id;
  ELSE
    WITH d AS (
      SELECT o.poll_id, count(*)::int AS voters, sum(cardinality(o.choices))::int AS votes,
             ARRAY[count(*) FILTER (WHERE 0 = ANY (o.choices)), count(*) FILTER (WHERE 1 = ANY (o.choices)),
                   count(*) FILTER (WHERE 2 = ANY (o.choices)), count(*) FILTER (WHERE 3 = ANY (o.choices))]::int[] AS per
      FROM old_votes o GROUP BY o.poll_id)
    UPDATE polls pl SET
      voters_count = GREATEST(pl.voters_count - d.voters, 0),
      votes_count = GREATEST(pl.votes_count - d.votes, 0),
      option_votes = ARRAY(SELECT GREATEST(t.v - d.per[t.i], 0) FROM unnest(pl.option_votes) WITH ORDINALITY AS t(v, i) ORDER BY t.i)
    FROM d WHERE pl.id = d.poll_id;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER poll_votes_tally_insert
  AFTER INSERT ON poll_votes REFERENCING NEW TABLE AS new_votes
  FOR EACH STATEMENT EXECUTE FUNCTION update_poll_tallies();
CREATE TRIGGER poll_votes_tally_delete
  AFTER DELETE ON poll_votes REFERENCING OLD TABLE AS old_votes
  FOR EACH STATEMENT EXECUTE FUNCTION update_poll_tallies();

CREATE OR REPLACE FUNCTION refuse_poll_vote_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'poll votes are final' USING ERRCODE = 'check_violation';
END;
$$;
CREATE TRIGGER poll_votes_final
  BEFORE UPDATE ON poll_votes
  FOR EACH ROW EXECUTE FUNCTION refuse_poll_vote_update();
