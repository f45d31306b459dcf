-- Phase 4 (communication): conversations (1:1 and group) and their messages.
CREATE TABLE conversations (
  id              BIGSERIAL PRIMARY KEY,
  participant_ids BIGINT[] NOT NULL,
  last_message_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  CONSTRAINT conversations_min_participants CHECK (array_length(participant_ids, 1) >= 2)
);
CREATE INDEX idx_conversations_participants ON conversations USING GIN (participant_ids);

CREATE TABLE messages (
  id              BIGSERIAL PRIMARY KEY,
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  sender_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  content         TEXT NOT NULL,
  read_by         BIGINT[] NOT NULL DEFAULT '{}',
  created_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  updated_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  deleted_at      TIMESTAMPTZ,
  CONSTRAINT messages_content_not_empty CHECK (LENGTH(TRIM(content)) > 0)
);
CREATE INDEX idx_messages_conversation_created ON messages (conversation_id, created_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX idx_messages_unread ON messages USING GIN (read_by) WHERE deleted_at IS NULL;
CREATE TRIGGER messages_set_updated_at BEFORE UPDATE ON messages
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
