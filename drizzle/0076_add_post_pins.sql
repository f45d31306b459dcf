-- Pins (issue 19): up to 5 pinned posts per profile (Mastodon's limit), newest pin first. A column
-- rather than a table: a post is pinned or not, by its author only; the partial index is tiny.
-- The limit is enforced in post.pin under a lock of the author's users row (concurrent pins of one
-- account serialize), not by a trigger.
ALTER TABLE posts ADD COLUMN pinned_at TIMESTAMPTZ;
CREATE INDEX posts_pinned_idx ON posts (user_id, pinned_at DESC) WHERE pinned_at IS NOT NULL;
