-- The account export (issue 19) pages a user's comments and sent messages by id (keyset). The
-- foreign-key indexes of 0017 were on (user_id) / (sender_id) alone, so every page re-read and
-- sorted all of the account's rows; (user_id, id) serves both the foreign key and the keyset.
CREATE INDEX comments_user_id_idx ON comments (user_id, id);
DROP INDEX comments_user_idx;
CREATE INDEX messages_sender_id_idx ON messages (sender_id, id);
DROP INDEX messages_sender_idx;
