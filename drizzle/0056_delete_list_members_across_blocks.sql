-- social.block now removes each account from the other's lists (Mastodon: a list holds only
-- accounts you follow, and a block ends follows both ways). Memberships that crossed a block
-- before that rule are removed once here; list reads also hide any that would slip through.
DELETE FROM list_members m
USING user_lists l, user_blocks b
WHERE m.list_id = l.id
  AND ((b.blocker_id = l.user_id AND b.blocked_id = m.member_user_id)
    OR (b.blocker_id = m.member_user_id AND b.blocked_id = l.user_id));
