-- message.history pages a conversation newest first by id (keyset), message.send/markRead read
-- its latest id, and unread counts read "messages after my marker": all of them are a range of
-- (conversation_id, id). The spec's idx_messages_conversation_created is ordered by created_at
-- (not unique, so no stable keyset) and leaves deleted messages out (history shows them as
-- deleted). INCLUDE (sender_id, deleted_at) lets the unread count filter out the reader's own
-- and deleted messages from the index alone (index-only scan).
CREATE INDEX messages_conversation_id_idx ON messages (conversation_id, id) INCLUDE (sender_id, deleted_at);
