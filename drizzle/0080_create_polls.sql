-- Polls on text posts (issue 19): at most one per post (post_id UNIQUE; the poll goes with its
-- post). 2–4 options of 1–100 characters, checked here element by element (a CHECK cannot
-- unnest, and there are at most four), in a TEXT[] kept next to its tallies: a read of a poll is
-- one row, and a vote one row update. option_votes[i] counts the voters who chose option i;
-- votes_count sums them (a multiple-choice voter counts once per option chosen) and voters_count
-- counts accounts — all three move only through the poll_votes triggers (0082).
-- The clock starts at publication, not at creation: duration_seconds is what the author chose
-- (Mastodon's 5 minutes to 7 days) and expires_at stays NULL while the post is a draft or
-- scheduled; it is set when the post is published (createPoll for a post published at once, the
-- 0083 trigger otherwise). ended_notified_at is the poll-ended job's claim: set once, in the
-- transaction that notifies the author and the voters (src/jobs/poll-jobs.ts).
CREATE TABLE polls (
  id                BIGSERIAL PRIMARY KEY,
  post_id           BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  options           TEXT[] NOT NULL,
  multiple          BOOLEAN NOT NULL DEFAULT FALSE,
  duration_seconds  INTEGER NOT NULL,
  expires_at        TIMESTAMPTZ,
  option_votes      INTEGER[] NOT NULL,
  votes_count       INTEGER NOT NULL DEFAULT 0,
  voters_count      INTEGER NOT NULL DEFAULT 0,
  ended_notified_at TIMESTAMPTZ,
  created_at        TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT polls_post_id_key UNIQUE (post_id),
  -- A plain one-dimensional array from 1, of 2 to 4 non-blank options of at most 100 characters.
  CONSTRAINT polls_options_valid CHECK (
    array_ndims(options) = 1 AND array_lower(options, 1) = 1 AND cardinality(options) BETWEEN 2 AND 4
    AND array_position(options, NULL) IS NULL
    AND char_length(options[1]) <= 100 AND options[1] ~ '[^[:space:]]'
    AND char_length(options[2]) <= 100 AND options[2] ~ '[^[:space:]]'
    AND (cardinality(options) < 3 OR (char_length(options[3]) <= 100 AND options[3] ~ '[^[:space:]]'))
    AND (cardinality(options) < 4 OR (char_length(options[4]) <= 100 AND options[4] ~ '[^[:space:]]'))),
  -- One tally per option, none negative.
  CONSTRAINT polls_option_votes_valid CHECK (
    array_ndims(option_votes) = 1 AND array_lower(option_votes, 1) = 1
    AND cardinality(option_votes) = cardinality(options)
    AND array_position(option_votes, NULL) IS NULL AND 0 <= ALL (option_votes)),
  -- Every voter chose at least one option, and exactly one on a single-choice poll.
  CONSTRAINT polls_counts_valid CHECK (
    voters_count >= 0 AND votes_count >= voters_count AND (multiple OR votes_count = voters_count)),
  CONSTRAINT polls_duration_valid CHECK (duration_seconds BETWEEN 300 AND 604800),
  -- Only a poll that opened can have ended.
  CONSTRAINT polls_notified_after_open CHECK (ended_notified_at IS NULL OR expires_at IS NOT NULL)
);
-- The poll-ended job's queue: polls that opened and were not announced yet, soonest end first.
CREATE INDEX polls_ending_idx ON polls (expires_at) WHERE ended_notified_at IS NULL AND expires_at IS NOT NULL;
