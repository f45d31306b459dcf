// Content housekeeping: the scheduler, purges of soft-deleted rows after their 30-day restore
// window, and the nightly reconciliation of denormalized counters (reporting the drift it fixed).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { many, one } from "../db/query";
import { emit } from "../modules/events/events";
import { publishDueScheduledPosts } from "../modules/post/post.scheduler";
import { fanOutOrphans } from "../modules/feed/feed.fanout";
import { timelinesOf } from "../modules/feed/timeline-store";
import type { Job } from "./runner";

export const publishScheduledJob: Job = {
  name: "publish-scheduled-posts",
  everyMs: 2_000,
  run: async (deps) => ({
    published: await publishDueScheduledPosts(deps.database.db, 200, async (posts) => {
      await emit({ db: deps.database.db, cache: deps.cache }, ...posts.map((p) => ({ type: "post.published" as const, authorId: p.userId, postId: p.id })));
    }),
  }),
};

/** Fan-out the requests did not finish (timeline_fanout rows their process left, drizzle/0058). */
export const timelineFanoutJob: Job = {
  name: "timeline-fanout",
  everyMs: 2_000,
  run: async (deps) => ({ fannedOut: await fanOutOrphans(deps.database.db, timelinesOf(deps.cache)) }),
};

export async function purgeSoftDeletedContent(db: Db): Promise<{ posts: number; comments: number }> {
  // In a transaction: a purge after a mass deletion may outlast the connections' statement_timeout,
  // and a job's transactions get the longer JOB_STATEMENT_TIMEOUT_MS (src/jobs/runner.ts).
  return db.transaction(async (tx) => {
    // post_media rows go with their post (ON DELETE CASCADE), and the storage trigger gives the
    // bytes back; the orphaned-media job removes the objects no row refers to any more.
    // Items a moderator removed are kept (moderation_removals, drizzle/0068): restorable by
    // moderators and evidence for as long as their author's account exists.
    const posts = await many<{ id: string }>(tx, sql`
      DELETE FROM posts p WHERE p.deleted_at < NOW() - INTERVAL '30 days'
        AND NOT EXISTS (SELECT 1 FROM moderation_removals mr WHERE mr.post_id = p.id)
      RETURNING id`);
    // A deleted comment whose replies still live stays (as a "[deleted]" anchor) until they go.
    const comments = await many<{ id: string }>(tx, sql`
      DELETE FROM comments c WHERE c.deleted_at < NOW() - INTERVAL '30 days'
        AND NOT EXISTS (SELECT 1 FROM comments r WHERE r.parent_comment_id = c.id AND r.deleted_at IS NULL)
        AND NOT EXISTS (SELECT 1 FROM moderation_removals mr WHERE mr.comment_id = c.id)
      RETURNING id`);
    return { posts: posts.length, comments: comments.length };
  });
}

export const purgeSoftDeletedJob: Job = {
  name: "purge-soft-deleted-content",
  everyMs: 3_600_000,
  run: (deps) => purgeSoftDeletedContent(deps.database.db),
};

/** Recomputes every post, comment and profile counter from its source rows; returns how many rows drifted. */
export async function reconcileCounters(db: Db): Promise<{ likes: number; comments: number; replies: number; reposts: number; accounts: number }> {
  return db.transaction(async (tx) => {
    const likes = await many<{ id: string }>(tx, sql`
      UPDATE posts p SET likes_count = s.n FROM (
        SELECT p2.id, COUNT(i.id)::int AS n FROM posts p2
        LEFT JOIN post_interactions i ON i.post_id = p2.id AND i.type = 'like' GROUP BY p2.id) s
      WHERE p.id = s.id AND p.likes_count <> s.n RETURNING p.id`);
    const comments = await many<{ id: string }>(tx, sql`
      UPDATE posts p SET comments_count = s.n FROM (
        SELECT p2.id, COUNT(c.id)::int AS n FROM posts p2
        LEFT JOIN comments c ON c.post_id = p2.id AND c.deleted_at IS NULL GROUP BY p2.id) s
      WHERE p.id = s.id AND p.comments_count <> s.n RETURNING p.id`);
    const replies = await many<{ id: string }>(tx, sql`
      UPDATE comments c SET replies_count = s.n FROM (
        SELECT c2.id, COUNT(r.id)::int AS n FROM comments c2
        LEFT JOIN comments r ON r.parent_comment_id = c2.id AND r.deleted_at IS NULL GROUP BY c2.id) s
      WHERE c.id = s.id AND c.replies_count <> s.n RETURNING c.id`);
    const reposts = await many<{ id: string }>(tx, sql`
      UPDATE posts p SET reposts_count = s.n FROM (
        SELECT p2.id, COUNT(r.id)::int AS n FROM posts p2 LEFT JOIN reposts r ON r.post_id = p2.id GROUP BY p2.id) s
      WHERE p.id = s.id AND p.reposts_count <> s.n RETURNING p.id`);
    // Profile counters (account_stats, drizzle/0060): rows inserted for accounts that had none count too.
    const accounts = await one<{ n: number }>(tx, sql`SELECT account_stats_rebuild() AS n`);
    return { likes: likes.length, comments: comments.length, replies: replies.length, reposts: reposts.length, accounts: accounts!.n };
  });
}

export const reconcileCountersJob: Job = {
  name: "reconcile-counters",
  everyMs: 24 * 3_600_000,
  run: (deps) => reconcileCounters(deps.database.db),
};
