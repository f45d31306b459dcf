-- A poll's end and a ready export have no actor (like 'system'): the author is told of their own
-- poll, and an archive is built by the server. Every other type still needs one.
ALTER TABLE notifications DROP CONSTRAINT notifications_actor_required;
ALTER TABLE notifications ADD CONSTRAINT notifications_actor_required
  CHECK (type IN ('system', 'poll', 'export') OR actor_id IS NOT NULL);
