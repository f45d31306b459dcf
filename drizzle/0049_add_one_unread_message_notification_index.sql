-- A conversation notifies each recipient once until they read it: at most one UNREAD `message`
-- notification per recipient and conversation (its action_url is /messages/<conversationId>).
-- notify() inserts with ON CONFLICT DO NOTHING, so further messages add nothing while one is
-- unread; reading it (or the conversation) lets the next message notify again. A unique index,
-- not a check-then-insert, so concurrent senders cannot both insert.
-- Any existing duplicates are resolved first: all but the newest are marked read.
UPDATE notifications n SET is_read = TRUE, read_at = NOW()
WHERE n.type = 'message' AND n.is_read = FALSE AND n.action_url IS NOT NULL
  AND EXISTS (SELECT 1 FROM notifications o
              WHERE o.user_id = n.user_id AND o.action_url = n.action_url AND o.type = 'message'
                AND o.is_read = FALSE AND o.id > n.id);
CREATE UNIQUE INDEX notifications_one_unread_message_idx ON notifications (user_id, action_url)
  WHERE type = 'message' AND is_read = FALSE;
