-- Moderation (issue 18): the audit log is append-only, enforced by the database rather than by
-- convention: UPDATE, DELETE and TRUNCATE of moderation_actions raise 42501, whoever runs them
-- (triggers bind the table's owner too, which a REVOKE would not: the app connects as the owner).
-- Getting around it takes ALTER TABLE … DISABLE TRIGGER or session_replication_role, both
-- deliberate, privileged acts outside the app.
CREATE FUNCTION moderation_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'moderation_actions is append-only: % refused', TG_OP USING ERRCODE = '42501';
END $$;
CREATE TRIGGER moderation_actions_no_change BEFORE UPDATE OR DELETE ON moderation_actions
  FOR EACH ROW EXECUTE FUNCTION moderation_actions_append_only();
CREATE TRIGGER moderation_actions_no_truncate BEFORE TRUNCATE ON moderation_actions
  FOR EACH STATEMENT EXECUTE FUNCTION moderation_actions_append_only();
