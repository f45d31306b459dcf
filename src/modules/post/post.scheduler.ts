// Publishes due scheduled posts. Safe with several processes and racing ticks: the due rows are
// claimed with FOR UPDATE SKIP LOCKED and the UPDATE re-checks status, so each post is published
// (and its mentions and quoted author notified) exactly once.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { many } from "../../db/query";
import { notifyMentions } from "./post-content";
import { notifyQuoted } from "./post.quotes";

export async function publishDueScheduledPosts(
  db: Db,
  batch = 200,
  /** Called after commit with the posts that went live (to fan them out to timelines). */
  onPublished?: (posts: { id: string; userId: string }[]) => Promise<void>,
): Promise<number> {
  const published = await db.transaction(async (tx) => {
    const published = await many<{ id: string; user_id: string; content: string | null }>(tx, sql`
      WITH due AS (
        SELECT id FROM posts
        WHERE status = 'scheduled' AND deleted_at IS NULL AND scheduled_for <= NOW()
        ORDER BY scheduled_for LIMIT ${batch}
        FOR UPDATE SKIP LOCKED)
      UPDATE posts p SET status = 'published', published_at = NOW()
      FROM due WHERE p.id = due.id AND p.status = 'scheduled'
      RETURNING p.id, p.user_id, p.content`);
    for (const post of published) {
      await notifyMentions(tx, { id: post.id, userId: post.user_id, content: post.content });
      await notifyQuoted(tx, { id: post.id, userId: post.user_id, content: post.content });
    }
    return published;
  });
  if (onPublished && published.length) await onPublished(published.map((p) => ({ id: p.id, userId: p.user_id })));
  return published.length;
}
