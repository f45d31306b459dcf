-- A vote may only name options its poll has (issue 19). poll.vote checks this, but the tallies
-- (0082) silently skip a choice beyond the options while votes_count counts it, so a row written
-- any other way would make the counts drift. Choices are strictly ascending (poll_votes_choices_valid),
-- so the last one is the largest. Row-level, BEFORE INSERT: one primary-key probe of the poll.
CREATE FUNCTION refuse_vote_beyond_options() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM polls pl WHERE pl.id = NEW.poll_id AND NEW.choices[cardinality(NEW.choices)] >= cardinality(pl.options)) THEN
    RAISE EXCEPTION 'a vote names an option its poll does not have'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'poll_votes_choice_in_poll', TABLE = 'poll_votes';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER poll_votes_choice_in_poll
  BEFORE INSERT ON poll_votes
  FOR EACH ROW EXECUTE FUNCTION refuse_vote_beyond_options();
