-- Live notifications (notification.onEvent) find newly committed rows by polling, and ids do not
-- commit in order (a transaction that took id 100 may commit after the one that took 101), so
-- "id > last seen" would skip rows. Each row records the id of the transaction that inserted it;
-- a poll reads rows whose transaction id is at or above the previous poll's snapshot xmin (every
-- older transaction had finished by then), which misses nothing and needs no trigger, whatever
-- inserts the row (notify(), notifySystem(), the storage warnings' own INSERT, the seed, raw SQL).
-- Added without a default first so existing rows are not rewritten (they stay NULL: never live).
ALTER TABLE notifications ADD COLUMN xact xid8;
ALTER TABLE notifications ALTER COLUMN xact SET DEFAULT pg_current_xact_id();
-- The poll: per streaming user, the rows of transactions since that user's floor (a short range).
CREATE INDEX notifications_user_xact_idx ON notifications (user_id, xact) WHERE xact IS NOT NULL;
