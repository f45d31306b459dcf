// Mail is queued in mail_outbox inside the caller's transaction and delivered by a job that several
// processes can run at once (FOR UPDATE SKIP LOCKED), retrying with backoff.
//
// Secrets: a mail body carries a live link (verification, password reset) while auth_tokens keeps
// only its hash. So the outbox keeps the raw link only while it is needed to send it:
//  * on delivery, in the transaction that sets sent_at, the body's links (and any long token-like
//    string) are overwritten with REDACTED_AFTER_DELIVERY;
//  * a mail that carries a link has expires_at (its link's expiry, drizzle/0052); once passed it
//    is no longer sent and the row is deleted by the next delivery run (never-delivered mails do
//    not keep dead tokens, nor pile up in the pending index).
// last_error holds a safe error text (no SQL parameters, see safeErrorText).
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { safeErrorText, type Logger } from "../logger";
import { MailNotConfiguredError, type MailMessage, type Mailer } from "./mailer";

export const REDACTED_AFTER_DELIVERY = "[redacted after delivery]";

/** A delivered mail's body as kept: URLs and token-like strings (32+ URL-safe characters) replaced. */
export function redactMailBody(text: string): string {
  return text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, REDACTED_AFTER_DELIVERY)
    .replace(/[A-Za-z0-9_-]{32,}/g, REDACTED_AFTER_DELIVERY);
}

/** Queues a mail; `validMinutes`: how long its link works (the mail is not sent, and is purged, after). */
export async function enqueueMail(db: DbOrTx, message: MailMessage, opts: { validMinutes?: number } = {}): Promise<void> {
  const expires = opts.validMinutes === undefined ? sql`NULL` : sql`NOW() + make_interval(mins => ${opts.validMinutes})`;
  await db.execute(sql`INSERT INTO mail_outbox (to_address, subject, body_text, expires_at)
                       VALUES (${message.to}, ${message.subject}, ${message.text}, ${expires})`);
}

/** Delivers up to `batch` due mails; returns how many were sent. Deletes expired undelivered ones first. */
export async function deliverOutbox(db: Db, mailer: Mailer, log: Logger, batch = 20): Promise<number> {
  const expired = (await db.execute(sql`
    DELETE FROM mail_outbox WHERE sent_at IS NULL AND expires_at <= NOW() RETURNING id`)) as unknown as { id: string }[];
  if (expired.length) log.info({ purged: expired.length }, "expired undelivered mails deleted from the outbox");
  return db.transaction(async (tx) => {
    const rows = (await tx.execute(sql`
      SELECT id, to_address, subject, body_text, attempts FROM mail_outbox
      WHERE sent_at IS NULL AND send_after <= NOW() AND attempts < 8 AND (expires_at IS NULL OR expires_at > NOW())
      ORDER BY id LIMIT ${batch} FOR UPDATE SKIP LOCKED`)) as unknown as {
      id: string; to_address: string; subject: string; body_text: string; attempts: number;
    }[];
    let sent = 0;
    for (const row of rows) {
      try {
        await mailer.send({ to: row.to_address, subject: row.subject, text: row.body_text });
        await tx.execute(sql`UPDATE mail_outbox SET sent_at = NOW(), attempts = attempts + 1, last_error = NULL,
                             body_text = ${redactMailBody(row.body_text)} WHERE id = ${row.id}`);
        sent++;
      } catch (error) {
        const backoffSeconds = 30 * 2 ** row.attempts;
        if (error instanceof MailNotConfiguredError) {
          // The fact of the mail, once; never its body.
          if (row.attempts === 0) log.warn({ mailId: row.id, mailTo: row.to_address, subject: row.subject }, "mail not delivered: SMTP_URL unset");
        } else {
          log.warn({ err: error, mailId: row.id }, "mail delivery failed; will retry");
        }
        await tx.execute(sql`UPDATE mail_outbox SET attempts = attempts + 1, last_error = ${safeErrorText(error)},
                             send_after = NOW() + make_interval(secs => ${backoffSeconds}) WHERE id = ${row.id}`);
      }
    }
    return sent;
  });
}
