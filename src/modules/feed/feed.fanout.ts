// The write side of materialized home timelines (read side: feed.inbox.ts). Mastodon's FeedManager
// refined with a Bluesky/Twitter-style hybrid:
//  - a new post or repost goes into the inbox of its author and of each follower whose inbox
//    exists (active readers; the others rebuild on return) — in pipelined batches, idempotent
//    (a sorted-set member is added once however often the fan-out runs);
//  - an author with more than `fanoutMaxFollowers` followers is not fanned out: their items go to
//    their own outbox, which followers' reads merge in;
//  - removals that change *whose* items a timeline holds (follow, unfollow, block, mute, an account
//    suspended or restored) drop the affected inboxes, which rebuild from PostgreSQL through the
//    same eligibility rule as the engine on the next read; a deleted post is removed from the sets
//    it was fanned out to. Whatever a set still holds, every read re-checks the full visibility
//    policy (feed.inbox.ts), so a failed or late removal can delay a cleanup, never leak an item.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many, one } from "../../db/query";
import { eligibleAuthorsSql, homeAuthorsSql } from "./feed.timeline";
import {
  entryMember, inboxOwner, outboxOwner, timelineTuning, type TimelineEntry, type TimelineStore,
} from "./timeline-store";

/** An item's timestamp in microseconds since the epoch, computed by PostgreSQL (exact). */
const MICROS = (ts: ReturnType<typeof sql>) => sql`(extract(epoch from ${ts}) * 1000000)::bigint::text`;

interface ItemRow {
  kind: number;
  item_id: string;
  post_id: string;
  actor_id: string;
  score: string;
}
const toEntry = (r: ItemRow): TimelineEntry => ({ score: Number(r.score), member: entryMember(r.kind as 0 | 1, r.item_id, r.post_id, r.actor_id) });

/** Is this author fanned out at read time? Marks them once they cross the threshold (see 0057). */
async function largeAuthor(db: DbOrTx, store: TimelineStore, authorId: string): Promise<{ large: boolean; followers: string[] }> {
  const marked = await one<{ x: number }>(db, sql`SELECT 1 AS x FROM timeline_large_authors WHERE user_id = ${authorId}`);
  if (marked) return { large: true, followers: [] };
  const limit = timelineTuning.fanoutMaxFollowers;
  const followers = (await many<{ id: string }>(db, sql`
    SELECT follower_id::text AS id FROM user_follows WHERE following_id = ${authorId} LIMIT ${limit + 1}`)).map((r) => r.id);
  if (followers.length <= limit) return { large: false, followers };
  const inserted = await many<{ user_id: string }>(db, sql`
    INSERT INTO timeline_large_authors (user_id) VALUES (${authorId}) ON CONFLICT DO NOTHING RETURNING user_id`);
  // Newly large: followers' inboxes were built treating this author as fanned out; rebuilt, they
  // merge the outbox instead.
  if (inserted.length) await dropFollowerInboxes(db, store, authorId);
  return { large: true, followers: [] };
}

async function fanOut(db: DbOrTx, store: TimelineStore, authorId: string, entry: TimelineEntry): Promise<void> {
  const { large, followers } = await largeAuthor(db, store, authorId);
  if (large) {
    await store.add([outboxOwner(authorId), inboxOwner(authorId)], [entry]);
    return;
  }
  await store.add([authorId, ...followers].map(inboxOwner), [entry]);
}

/** The set entry of a queued item, while it is still one a timeline may show. */
async function itemEntry(db: DbOrTx, kind: 0 | 1, itemId: string): Promise<{ authorId: string; entry: TimelineEntry } | null> {
  const row = await one<ItemRow>(db, kind === 0
    ? sql`SELECT 0 AS kind, p.id::text AS item_id, p.id::text AS post_id, p.user_id::text AS actor_id, ${MICROS(sql`p.published_at`)} AS score
          FROM posts p WHERE p.id = ${itemId} AND p.status = 'published' AND p.deleted_at IS NULL`
    : sql`SELECT 1 AS kind, r.id::text AS item_id, r.post_id::text AS post_id, r.user_id::text AS actor_id, ${MICROS(sql`r.created_at`)} AS score
          FROM reposts r WHERE r.id = ${itemId}`);
  return row ? { authorId: row.actor_id, entry: toEntry(row) } : null;
}

/**
 * Fans one queued item out (timeline_fanout, 0058: the write's own transaction queued it) and
 * removes it from the queue. Idempotent: the job may run it again for a row a dying process left.
 */
async function fanOutQueued(db: DbOrTx, store: TimelineStore, kind: 0 | 1, itemId: string): Promise<void> {
  const item = await itemEntry(db, kind, itemId);
  if (item) await fanOut(db, store, item.authorId, item.entry);
  await db.execute(sql`DELETE FROM timeline_fanout WHERE kind = ${kind} AND item_id = ${itemId}`);
}

/** post.published: the post joins its author's and followers' timelines. */
export async function fanOutPost(db: DbOrTx, store: TimelineStore, postId: string): Promise<void> {
  await fanOutQueued(db, store, 0, postId);
}

/** repost.created: the repost joins the reposter's and their followers' timelines. */
export async function fanOutRepost(db: DbOrTx, store: TimelineStore, userId: string, postId: string): Promise<void> {
  const repost = await one<{ id: string }>(db, sql`SELECT id::text AS id FROM reposts WHERE user_id = ${userId} AND post_id = ${postId}`);
  if (repost) await fanOutQueued(db, store, 1, repost.id);
}

/** Queue rows older than this were not fanned out by their request (its process died): the job's. */
export const FANOUT_ORPHAN_AFTER_MS = 5_000;

/**
 * The timeline-fanout job: items whose request did not fan them out. Without a store (CACHE=off)
 * there is nothing to fan out to, and the queue is just emptied.
 */
export async function fanOutOrphans(db: DbOrTx, store: TimelineStore | null, batch = 500): Promise<number> {
  const rows = await many<{ kind: 0 | 1; item_id: string }>(db, sql`
    SELECT kind, item_id::text AS item_id FROM timeline_fanout
    WHERE enqueued_at < NOW() - make_interval(secs => ${FANOUT_ORPHAN_AFTER_MS / 1000}) ORDER BY id LIMIT ${batch}`);
  for (const row of rows) {
    if (store) await fanOutQueued(db, store, row.kind, row.item_id);
    else await db.execute(sql`DELETE FROM timeline_fanout WHERE kind = ${row.kind} AND item_id = ${row.item_id}`);
  }
  return rows.length;
}

/** post.deleted: out of the sets it was fanned out to (reads would skip it anyway; this keeps pages full). */
export async function removePost(db: DbOrTx, store: TimelineStore, authorId: string, postId: string): Promise<void> {
  const member = entryMember(0, postId, postId, authorId);
  const followers = await many<{ id: string }>(db, sql`SELECT follower_id::text AS id FROM user_follows WHERE following_id = ${authorId}`);
  await store.remove([outboxOwner(authorId), inboxOwner(authorId), ...followers.map((f) => inboxOwner(f.id))], [member]);
}

export async function dropInboxes(store: TimelineStore, ...userIds: string[]): Promise<void> {
  await store.drop(userIds.map(inboxOwner));
}

/** The author's and every follower's inbox (an account suspended or restored changes what they hold). */
export async function dropFollowerInboxes(db: DbOrTx, store: TimelineStore, authorId: string): Promise<void> {
  const followers = await many<{ id: string }>(db, sql`SELECT follower_id::text AS id FROM user_follows WHERE following_id = ${authorId}`);
  await store.drop([inboxOwner(authorId), outboxOwner(authorId), ...followers.map((f) => inboxOwner(f.id))]);
}

/** The newest `limit` posts and reposts of `authors` (a SELECT of ids), newest first. */
function itemsOfSql(authors: ReturnType<typeof sql>, limit: number) {
  return sql`
    SELECT * FROM (
      (SELECT 0 AS kind, p.id::text AS item_id, p.id::text AS post_id, p.user_id::text AS actor_id, p.published_at AS ts, ${MICROS(sql`p.published_at`)} AS score
       FROM posts p WHERE p.user_id IN (${authors}) AND p.status = 'published' AND p.deleted_at IS NULL
       ORDER BY p.published_at DESC, p.id DESC LIMIT ${limit})
      UNION ALL
      (SELECT 1, r.id::text, r.post_id::text, r.user_id::text, r.created_at, ${MICROS(sql`r.created_at`)}
       FROM reposts r WHERE r.user_id IN (${authors})
       ORDER BY r.created_at DESC, r.id DESC LIMIT ${limit})
    ) x ORDER BY ts DESC, kind DESC, item_id::bigint DESC LIMIT ${limit}`;
}

/** The floor of a build: nothing older is known when the build hit its limit. */
const floorOf = (rows: ItemRow[], limit: number) => (rows.length >= limit ? Number(rows[rows.length - 1]!.score) : 0);

/**
 * Rebuilds a viewer's inbox from PostgreSQL: the newest items of the accounts the engine would
 * read (followed + self, minus inactive, muted and blocked either way — eligibleAuthorsSql), except
 * large authors, whose outboxes the reads merge in. The set is marked `building` first, so a
 * fan-out that commits while this reads lands in it too.
 */
export async function rebuildInbox(db: DbOrTx, store: TimelineStore, viewerId: string): Promise<void> {
  const owner = inboxOwner(viewerId);
  await store.beginBuild(owner);
  const limit = timelineTuning.maxEntries;
  const [large, rows] = await Promise.all([
    many<{ id: string }>(db, sql`
      SELECT l.user_id::text AS id FROM user_follows f JOIN timeline_large_authors l ON l.user_id = f.following_id
      WHERE f.follower_id = ${viewerId} AND f.following_id <> ${viewerId}`),
    many<ItemRow>(db, itemsOfSql(sql`
      SELECT e.id FROM (${eligibleAuthorsSql(viewerId, homeAuthorsSql(viewerId))}) e
      WHERE e.id = ${viewerId} OR e.id NOT IN (SELECT user_id FROM timeline_large_authors)`, limit)),
  ]);
  await store.finishBuild(owner, rows.map(toEntry), floorOf(rows, limit), large.map((r) => r.id));
}

/** Builds a large author's outbox: their own newest items. */
export async function rebuildOutbox(db: DbOrTx, store: TimelineStore, authorId: string): Promise<void> {
  const owner = outboxOwner(authorId);
  await store.beginBuild(owner);
  const limit = timelineTuning.maxEntries;
  const rows = await many<ItemRow>(db, itemsOfSql(sql`SELECT ${authorId}::bigint`, limit));
  await store.finishBuild(owner, rows.map(toEntry), floorOf(rows, limit), []);
}
