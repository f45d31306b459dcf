-- Follow requests notify: the owner of a locked profile gets 'follow_request', the requester gets
-- 'follow_approved' once approved. (The spec's 'friend_request' names a friend-request flow VRSS
-- does not have: friendships form from mutual approved follows.)
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'follow_request';
ALTER TYPE notification_type ADD VALUE IF NOT EXISTS 'follow_approved';
