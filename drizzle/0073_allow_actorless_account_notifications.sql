-- A poll's end and a ready export have no actor (like 'system'): the author is told of their own
-- poll, and an archive is built by the server. Every other type still needs one. The type is
-- compared as text: every pending migration runs in one transaction (src/db/migrate.ts), where the
-- enum values 0072 adds cannot be used yet (55P04).
ALTER TABLE notifications DROP CONSTRAINT notifications_actor_required;
ALTER TABLE notifications ADD CONSTRAINT notifications_actor_required
  CHECK (type::text IN ('system', 'poll', 'export') OR actor_id IS NOT NULL);
