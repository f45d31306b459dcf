-- One row per (conversation, participant): the "my conversations" lookup by user (instead of the
-- GIN index on conversations.participant_ids), each participant's read marker, and a copy of the
-- conversation's latest activity so the inbox is one index range in activity order.
--  * last_read_message_id: every message of the conversation with id <= it counts as read by the
--    user; unread = messages after the marker, so counting never scans the whole history.
--    (Message ids grow in commit order within a conversation: message.send locks the
--    conversation row before inserting.)
--  * last_message_id / last_message_at: written by message.send for every participant; a
--    conversation with last_message_id <= last_read_message_id has nothing unread, unprobed.
-- conversations.participant_ids stays the spec's membership column; the trigger keeps this table
-- in step with it for every writer (the service, the seed, raw SQL). Existing conversations are
-- backfilled, with markers taken from messages.read_by and from what each user sent.
CREATE TABLE conversation_participants (
  conversation_id      BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id              BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  joined_at            TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  last_read_message_id BIGINT NOT NULL DEFAULT 0,
  last_read_at         TIMESTAMPTZ,
  last_message_id      BIGINT NOT NULL DEFAULT 0,
  last_message_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_participants_user_activity_idx
  ON conversation_participants (user_id, last_message_at DESC, conversation_id DESC);

CREATE FUNCTION sync_conversation_participants() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM conversation_participants
    WHERE conversation_id = NEW.id AND user_id <> ALL (NEW.participant_ids);
  END IF;
  INSERT INTO conversation_participants (conversation_id, user_id, joined_at, last_message_at)
  SELECT NEW.id, u.id, NOW(), NEW.last_message_at
  FROM users u
  WHERE u.id = ANY (NEW.participant_ids)
  ON CONFLICT (conversation_id, user_id) DO NOTHING;
  RETURN NULL;
END;
$$;
CREATE TRIGGER conversations_sync_participants
  AFTER INSERT OR UPDATE OF participant_ids ON conversations
  FOR EACH ROW EXECUTE FUNCTION sync_conversation_participants();

INSERT INTO conversation_participants (conversation_id, user_id, joined_at, last_read_message_id, last_read_at,
                                       last_message_id, last_message_at)
SELECT c.id, u.id, c.created_at,
       COALESCE((SELECT max(m.id) FROM messages m
                 WHERE m.conversation_id = c.id AND (m.sender_id = u.id OR m.read_by @> ARRAY[u.id])), 0),
       NULL,
       COALESCE((SELECT max(m.id) FROM messages m WHERE m.conversation_id = c.id), 0),
       c.last_message_at
FROM conversations c JOIN users u ON u.id = ANY (c.participant_ids)
ON CONFLICT (conversation_id, user_id) DO NOTHING;
