-- Fix: array_length('{}', 1) is NULL, and a CHECK that evaluates to NULL passes, so the spec's
-- conversations_min_participants let an empty participant list through. cardinality() is 0 there.
ALTER TABLE conversations DROP CONSTRAINT conversations_min_participants;
ALTER TABLE conversations ADD CONSTRAINT conversations_min_participants CHECK (cardinality(participant_ids) >= 2);
