// Mail is queued in mail_outbox inside the caller's transaction and delivered by a job that several
// processes can run at once (FOR UPDATE SKIP LOCKED), retrying with backoff.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import type { Logger } from "../logger";
import type { MailMessage, Mailer } from "./mailer";

export async function enqueueMail(db: DbOrTx, message: MailMessage): Promise<void> {
  await db.execute(sql`INSERT INTO mail_outbox (to_address, subject, body_text)
                       VALUES (${message.to}, ${message.subject}, ${message.text})`);
}

/** Delivers up to `batch` due mails; returns how many were sent. */
export async function deliverOutbox(db: Db, mailer: Mailer, log: Logger, batch = 20): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = (await tx.execute(sql`
      SELECT id, to_address, subject, body_text, attempts FROM mail_outbox
      WHERE sent_at IS NULL AND send_after <= NOW() AND attempts < 8
      ORDER BY id LIMIT ${batch} FOR UPDATE SKIP LOCKED`)) as unknown as {
      id: string; to_address: string; subject: string; body_text: string; attempts: number;
    }[];
    let sent = 0;
    for (const row of rows) {
      try {
        await mailer.send({ to: row.to_address, subject: row.subject, text: row.body_text });
        await tx.execute(sql`UPDATE mail_outbox SET sent_at = NOW(), attempts = attempts + 1 WHERE id = ${row.id}`);
        sent++;
      } catch (error) {
        const backoffSeconds = 30 * 2 ** row.attempts;
        log.warn({ err: error, mailId: row.id }, "mail delivery failed; will retry");
        await tx.execute(sql`UPDATE mail_outbox SET attempts = attempts + 1, last_error = ${String(error).slice(0, 500)},
                             send_after = NOW() + make_interval(secs => ${backoffSeconds}) WHERE id = ${row.id}`);
      }
    }
    return sent;
  });
}
