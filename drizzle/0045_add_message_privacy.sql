-- Messaging preference (issue "messaging"): who may start a conversation with a user — everyone,
-- the people the user follows, the user's friends, or nobody. message.start reads it; an existing
-- conversation stays usable. Default everyone, the platform's behaviour until now.
ALTER TABLE user_profiles ADD COLUMN message_privacy VARCHAR(20) NOT NULL DEFAULT 'everyone';
ALTER TABLE user_profiles ADD CONSTRAINT user_profiles_message_privacy_valid
  CHECK (message_privacy IN ('everyone', 'following', 'friends', 'nobody'));
