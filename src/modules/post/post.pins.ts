// Pins (issue 19): up to MAX_PINS of the author's published posts, shown first by post.listByUser
// and on the public profile page, newest pin first.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { postVisibleSql, VISIBLE_POST_FROM } from "../visibility/post-visibility";
import { postColumnsSql, postView, type PostRow, type PostView } from "./post.queries";
import type { PostType } from "./post.schema";

/** Mastodon's limit. */
export const MAX_PINS = 5;

async function pinnedCount(tx: DbOrTx, userId: string): Promise<number> {
  const row = await one<{ n: number }>(tx, sql`
    SELECT count(*)::int AS n FROM posts WHERE user_id = ${userId} AND pinned_at IS NOT NULL AND deleted_at IS NULL`);
  return row!.n;
}

/**
 * Pins one of the caller's published posts (idempotent). Concurrent pins of one account serialize
 * on its users row, so the limit holds under concurrency; over it: CONFLICT PIN_LIMIT.
 */
export async function pinPost(db: Db, userId: string, postId: string): Promise<{ pinned: true; pinnedCount: number }> {
  return transaction(db, async (tx) => {
    await tx.execute(sql`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`);
    const post = await one<{ pinned: boolean }>(tx, sql`
      SELECT pinned_at IS NOT NULL AS pinned FROM posts
      WHERE id = ${postId} AND user_id = ${userId} AND status = 'published' AND deleted_at IS NULL`);
    if (!post) throw new AppError("NOT_FOUND", "Post not found");
    const count = await pinnedCount(tx, userId);
    if (post.pinned) return { pinned: true as const, pinnedCount: count };
    if (count >= MAX_PINS) {
      throw new AppError("CONFLICT", `At most ${MAX_PINS} posts can be pinned; unpin one first`, { appCode: "PIN_LIMIT", details: { max: MAX_PINS } });
    }
    await tx.execute(sql`UPDATE posts SET pinned_at = clock_timestamp() WHERE id = ${postId}`);
    return { pinned: true as const, pinnedCount: count + 1 };
  });
}

export async function unpinPost(db: Db, userId: string, postId: string): Promise<{ pinned: false; pinnedCount: number }> {
  return transaction(db, async (tx) => {
    const post = await one<{ id: string }>(tx, sql`
      UPDATE posts SET pinned_at = NULL WHERE id = ${postId} AND user_id = ${userId} AND deleted_at IS NULL AND pinned_at IS NOT NULL
      RETURNING id`);
    if (!post) {
      const exists = await one<{ id: string }>(tx, sql`SELECT id FROM posts WHERE id = ${postId} AND user_id = ${userId} AND deleted_at IS NULL`);
      if (!exists) throw new AppError("NOT_FOUND", "Post not found");
    }
    return { pinned: false as const, pinnedCount: await pinnedCount(tx, userId) };
  });
}

/** The profile's pinned posts the viewer may see, newest pin first (views without extras: the caller completes them). */
export async function pinnedPosts(db: DbOrTx, viewerId: string | null, profileId: string, type?: PostType): Promise<PostView[]> {
  const rows = await many<PostRow>(db, sql`
    SELECT ${postColumnsSql(viewerId)} FROM ${VISIBLE_POST_FROM}
    WHERE p.user_id = ${profileId} AND p.pinned_at IS NOT NULL AND p.status = 'published' AND ${postVisibleSql(viewerId)}
      ${type ? sql`AND p.type = ${type}` : sql``}
    ORDER BY p.pinned_at DESC, p.id DESC
    LIMIT ${MAX_PINS}`);
  return rows.map(postView);
}
