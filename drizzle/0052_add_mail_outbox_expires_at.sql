-- Outbox rows stop holding raw tokens once they are of no use. auth_tokens keeps only token hashes,
-- but a mail body carries the raw link (verification, password reset), and mail_outbox kept it for
-- 30 days after delivery and forever when never delivered.
--  * expires_at: when the mail's link stops working (NULL: a mail with no expiring link). A mail
--    is not sent after it, and the delivery job deletes it (src/lib/mail/outbox.ts).
--  * from now on the delivery job overwrites a delivered body's links with
--    "[redacted after delivery]" in the transaction that sets sent_at. Rows delivered before this
--    migration are redacted here; rows still pending get the longest link lifetime (48 hours,
--    email verification) from their creation.
ALTER TABLE mail_outbox ADD COLUMN expires_at TIMESTAMPTZ;
UPDATE mail_outbox SET expires_at = created_at + INTERVAL '48 hours' WHERE sent_at IS NULL;
UPDATE mail_outbox
SET body_text = regexp_replace(
  regexp_replace(body_text, '[A-Za-z][A-Za-z0-9+.-]*://\S+', '[redacted after delivery]', 'g'),
  '[A-Za-z0-9_-]{32,}', '[redacted after delivery]', 'g')
WHERE sent_at IS NOT NULL;
