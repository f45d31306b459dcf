-- Notifications for what issue 19 adds: 'poll' (a poll you wrote or voted in has ended), 'quote'
-- (someone quoted your post) and 'export' (your account archive is ready). Enum values cannot be
-- used in the transaction that adds them, so the check that names them is the next migration.
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'poll';
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'quote';
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'export';
