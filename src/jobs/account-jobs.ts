// Account housekeeping: mail delivery, purge of accounts deleted 30+ days ago, old sessions/tokens.
import { sql } from "drizzle-orm";
import { many } from "../db/query";
import { deliverOutbox } from "../lib/mail/outbox";
import { purgeOldSessions } from "../modules/auth/session.service";
import type { Job } from "./runner";

export const deliverMailJob: Job = {
  name: "deliver-mail",
  everyMs: 5_000,
  run: async (deps) => ({ sent: await deliverOutbox(deps.database.db, deps.mailer, deps.log) }),
};

export const purgeDeletedAccountsJob: Job = {
  name: "purge-deleted-accounts",
  everyMs: 3_600_000,
  async run(deps) {
    // ON DELETE CASCADE removes everything the account owned.
    const purged = await many<{ id: string }>(deps.database.db, sql`
      DELETE FROM users WHERE status = 'deleted' AND deleted_at < NOW() - INTERVAL '30 days' RETURNING id`);
    return { purged: purged.length };
  },
};

export const purgeAuthLeftoversJob: Job = {
  name: "purge-auth-leftovers",
  everyMs: 3_600_000,
  async run(deps) {
    const db = deps.database.db;
    const sessions = await purgeOldSessions(db);
    const tokens = await many<{ id: string }>(db, sql`
      DELETE FROM auth_tokens WHERE expires_at < NOW() - INTERVAL '7 days' OR used_at < NOW() - INTERVAL '7 days' RETURNING id`);
    const mails = await many<{ id: string }>(db, sql`
      DELETE FROM mail_outbox WHERE sent_at < NOW() - INTERVAL '30 days' RETURNING id`);
    // Second-step sign-in challenges live 5 minutes; a day later nobody needs their rows.
    const challenges = await many<{ id: string }>(db, sql`
      DELETE FROM mfa_challenges WHERE expires_at < NOW() - INTERVAL '1 day' RETURNING id`);
    // TOTP setups never confirmed (the secret was shown, the first code never came).
    const totpSetups = await many<{ user_id: string }>(db, sql`
      DELETE FROM user_totp WHERE confirmed_at IS NULL AND created_at < NOW() - INTERVAL '1 day' RETURNING user_id`);
    return { sessions, tokens: tokens.length, mails: mails.length, challenges: challenges.length, totpSetups: totpSetups.length };
  },
};
