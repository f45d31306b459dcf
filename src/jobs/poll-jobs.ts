// poll-ended (issue 19): once a minute, every poll that ended and was not announced yet gets its
// 'poll' notifications — one to the post's author and one to each voter — exactly once.
//
// Each batch is one transaction: it claims up to POLL_BATCH due polls with
// `UPDATE … SET ended_notified_at = NOW() … FOR UPDATE SKIP LOCKED RETURNING` and inserts their
// notifications before it commits. A second process (or a second run) skips the rows being
// claimed and, once the claim committed, no longer finds them; a failure rolls the claim back with
// the notifications, so the next run announces the poll whole. A vote waiting on the poll's row
// lock sees the claim and is refused (poll.vote reads ended_notified_at after the lock), so nobody
// votes after the announcement.
//
// Who is told: the author and the voters who may still see the post (the visibility policy:
// published, not deleted, author active, no block either way, the profile's visibility), through
// notifyAccount (active accounts only). A voter blocked by the author, or who lost access to a
// followers-only profile, gets nothing; a deleted post announces nothing (its poll is marked all
// the same). An author voting in their own poll gets one notification.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../db/client";
import { many } from "../db/query";
import { transaction } from "../db/transaction";
import { notifyAccount } from "../modules/notification/notification.service";
import { postVisibleSql, VISIBLE_POST_FROM } from "../modules/visibility/post-visibility";
import type { Job } from "./runner";

/** Polls claimed per transaction. */
export const POLL_BATCH = 20;
/** At most this many batches per run (the next run, a minute later, carries on). */
export const POLL_MAX_BATCHES = 50;
/** Voters checked for visibility per statement. */
const VOTER_CHUNK = 200;

export const POLL_ENDED_TITLE = { author: "Your poll has ended", voter: "A poll you voted in has ended" } as const;

/** Which of these accounts may see the post now (one statement per call). */
async function canSee(db: DbOrTx, postId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const probes = userIds.map((id) => sql`
    SELECT ${id}::text AS id WHERE EXISTS (
      SELECT 1 FROM ${VISIBLE_POST_FROM} WHERE p.id = ${postId} AND ${postVisibleSql(id, { publishedOnly: true })})`);
  const rows = await many<{ id: string }>(db, sql.join(probes, sql` UNION ALL `));
  return rows.map((r) => r.id);
}

/** Announces one claimed poll; returns the notifications created. */
async function announce(tx: DbOrTx, poll: { id: string; post_id: string; author_id: string }): Promise<number> {
  let created = 0;
  const postId = String(poll.post_id);
  const authorId = String(poll.author_id);
  for (const id of await canSee(tx, postId, [authorId])) {
    if (await notifyAccount(tx, { recipientId: id, type: "poll", title: POLL_ENDED_TITLE.author, postId })) created++;
  }
  // The voters in key order (the primary key (poll_id, user_id)), a chunk at a time.
  let after = "0";
  for (;;) {
    const voters = await many<{ user_id: string }>(tx, sql`
      SELECT user_id FROM poll_votes
      WHERE poll_id = ${poll.id} AND user_id > ${after}::bigint AND user_id <> ${authorId}::bigint
      ORDER BY user_id LIMIT ${VOTER_CHUNK}`);
    if (voters.length === 0) break;
    after = String(voters[voters.length - 1]!.user_id);
    for (const id of await canSee(tx, postId, voters.map((v) => String(v.user_id)))) {
      if (await notifyAccount(tx, { recipientId: id, type: "poll", title: POLL_ENDED_TITLE.voter, postId })) created++;
    }
    if (voters.length < VOTER_CHUNK) break;
  }
  return created;
}

/** Announces the polls that ended, in batches; returns how many polls and notifications. */
export async function notifyEndedPolls(db: Db, opts: { batch?: number; maxBatches?: number } = {}): Promise<{ polls: number; notifications: number }> {
  const batch = opts.batch ?? POLL_BATCH;
  let polls = 0;
  let notifications = 0;
  for (let i = 0; i < (opts.maxBatches ?? POLL_MAX_BATCHES); i++) {
    const done = await transaction(db, async (tx) => {
      const claimed = await many<{ id: string; post_id: string; author_id: string }>(tx, sql`
        UPDATE polls pl SET ended_notified_at = NOW()
        FROM (SELECT c.id FROM polls c
              WHERE c.ended_notified_at IS NULL AND c.expires_at IS NOT NULL AND c.expires_at <= NOW()
              ORDER BY c.expires_at
              LIMIT ${batch}
              FOR UPDATE SKIP LOCKED) due, posts p
        WHERE pl.id = due.id AND p.id = pl.post_id
        RETURNING pl.id, pl.post_id, p.user_id AS author_id`);
      let created = 0;
      for (const poll of claimed) created += await announce(tx, poll);
      return { claimed: claimed.length, created };
    });
    polls += done.claimed;
    notifications += done.created;
    if (done.claimed < batch) break;
  }
  return { polls, notifications };
}

export const pollEndedJob: Job = {
  name: "poll-ended",
  everyMs: 60_000,
  async run(deps) {
    const report = await notifyEndedPolls(deps.database.db);
    return report.polls > 0 ? report : undefined;
  },
};

export const pollJobs: Job[] = [pollEndedJob];
