-- Beyond the spec: timelines drop suspended and deleted authors as one small hashed set (the few
-- inactive accounts) instead of looking up each followed account's status one by one.
CREATE INDEX users_inactive_idx ON users (id) WHERE status <> 'active';
