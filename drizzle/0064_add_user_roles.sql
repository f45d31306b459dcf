-- Moderation (issue 18): who may use the moderation procedures. 'user' (everyone, the default),
-- 'moderator' (works the report queue, suspends accounts and removes content of ordinary users),
-- 'admin' (a moderator who may also act on moderators and admins). Set only by the operator's CLI,
-- `bun run admin:grant <username> <role>`, never over the API. The role is read fresh on every
-- moderation call (moderatorProcedure, src/trpc/init.ts) rather than cached with the session, so a
-- demotion holds on the very next request in every process.
ALTER TABLE users
  ADD COLUMN role VARCHAR(20) NOT NULL DEFAULT 'user',
  ADD CONSTRAINT users_role_valid CHECK (role IN ('user', 'moderator', 'admin'));
