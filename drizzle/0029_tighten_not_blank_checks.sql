-- Fix: TRIM/BTRIM strip only spaces, so text made of tabs and newlines passed the spec's
-- "not empty" CHECKs. Same constraint names, now requiring at least one non-space character.
ALTER TABLE posts DROP CONSTRAINT posts_content_required;
ALTER TABLE posts ADD CONSTRAINT posts_content_required CHECK (
  type NOT IN ('text_short', 'text_long') OR (content IS NOT NULL AND content ~ '[^[:space:]]'));
ALTER TABLE comments DROP CONSTRAINT comments_content_not_empty;
ALTER TABLE comments ADD CONSTRAINT comments_content_not_empty CHECK (content ~ '[^[:space:]]');
ALTER TABLE messages DROP CONSTRAINT messages_content_not_empty;
ALTER TABLE messages ADD CONSTRAINT messages_content_not_empty CHECK (content ~ '[^[:space:]]');
ALTER TABLE profile_sections DROP CONSTRAINT profile_sections_title_not_empty;
ALTER TABLE profile_sections ADD CONSTRAINT profile_sections_title_not_empty CHECK (title ~ '[^[:space:]]');
ALTER TABLE custom_feeds DROP CONSTRAINT custom_feeds_name_not_empty;
ALTER TABLE custom_feeds ADD CONSTRAINT custom_feeds_name_not_empty CHECK (name ~ '[^[:space:]]');
ALTER TABLE user_lists DROP CONSTRAINT user_lists_name_not_empty;
ALTER TABLE user_lists ADD CONSTRAINT user_lists_name_not_empty CHECK (name ~ '[^[:space:]]');
ALTER TABLE notifications DROP CONSTRAINT notifications_title_not_empty;
ALTER TABLE notifications ADD CONSTRAINT notifications_title_not_empty CHECK (title ~ '[^[:space:]]');
