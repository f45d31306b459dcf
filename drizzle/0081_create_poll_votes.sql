-- Poll votes (issue 19): one row per account and poll, holding every option it chose. The primary
-- key (poll_id, user_id) is what makes "once per account" hold under any concurrency: a second
-- vote, even one racing the first with other choices, conflicts on it (poll.vote answers CONFLICT
-- ALREADY_VOTED). Votes are final (Mastodon's rule): the app never updates or deletes a row; rows
-- go with their poll, with the voter's account, or when an edit changes the poll's options
-- (replacePoll). choices are 0-based option indexes, stored strictly ascending (so no duplicates),
-- 1 to 4 of them; that they exist in the poll and that a single-choice poll gets one is checked
-- by poll.vote under the poll's row lock.
CREATE TABLE poll_votes (
  poll_id    BIGINT NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
  user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  choices    SMALLINT[] NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (poll_id, user_id),
  CONSTRAINT poll_votes_choices_valid CHECK (
    array_ndims(choices) = 1 AND array_lower(choices, 1) = 1 AND cardinality(choices) BETWEEN 1 AND 4
    AND array_position(choices, NULL) IS NULL AND choices <@ '{0,1,2,3}'::smallint[]
    AND (cardinality(choices) < 2 OR choices[1] < choices[2])
    AND (cardinality(choices) < 3 OR choices[2] < choices[3])
    AND (cardinality(choices) < 4 OR choices[3] < choices[4]))
);
-- The voter's foreign key (an account's purge cascades without a scan).
CREATE INDEX poll_votes_user_idx ON poll_votes (user_id);
