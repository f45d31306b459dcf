-- Beyond the spec: the product notifies for a reply to a comment and for a new friendship (mutual
-- follow); the spec's enum has neither ('friend_request' names a request flow VRSS does not have).
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'reply';
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'friend';
