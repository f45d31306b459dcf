// Post-level half of the visibility policy (the account half is visibility.ts). A post is visible
// to a viewer when it is not soft-deleted, its author is active, no block stands between them, the
// author's profile lets the viewer see content, and it is published — or the viewer is its author
// (drafts and scheduled posts are visible to their author only).
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { AppError } from "../../lib/errors";

/**
 * Condition over `posts p JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id`.
 * Aliases are fixed by this module, so every caller gets the same rule.
 */
export function postVisibleSql(viewerId: string | null, opts: { publishedOnly?: boolean } = {}): SQL {
  if (!viewerId) {
    return sql`p.deleted_at IS NULL AND p.status = 'published' AND u.status = 'active' AND pr.visibility = 'public'`;
  }
  // Two NOT EXISTS (one per block direction) rather than one with an OR: each is an index probe.
  const status = opts.publishedOnly
    ? sql`p.status = 'published'`
    : sql`(p.status = 'published' OR (p.user_id = ${viewerId} AND p.status IN ('draft', 'scheduled')))`;
  return sql`p.deleted_at IS NULL AND u.status = 'active' AND ${status}
    AND (p.user_id = ${viewerId} OR (
      NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = ${viewerId} AND b.blocked_id = p.user_id)
      AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = p.user_id AND b.blocked_id = ${viewerId})
      AND (pr.visibility = 'public' OR (pr.visibility = 'followers' AND EXISTS (
        SELECT 1 FROM user_follows f WHERE f.follower_id = ${viewerId} AND f.following_id = p.user_id)))))`;
}

/** The FROM clause postVisibleSql expects. */
export const VISIBLE_POST_FROM = sql`posts p JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id`;

export interface VisiblePost {
  id: string;
  user_id: string;
  status: "draft" | "published" | "scheduled" | "deleted";
  type: string;
}

/** The post if the viewer may see it; otherwise NOT_FOUND, exactly as for a post that does not exist. */
export async function requireVisiblePost(db: DbOrTx, viewerId: string | null, postId: string): Promise<VisiblePost> {
  const row = await one<VisiblePost>(db, sql`
    SELECT p.id, p.user_id, p.status, p.type FROM ${VISIBLE_POST_FROM}
    WHERE p.id = ${postId} AND ${postVisibleSql(viewerId)}`);
  if (!row) throw new AppError("NOT_FOUND", "Post not found");
  return row;
}

/** As requireVisiblePost, but only published posts can be interacted with (liked, commented, reposted…). */
export async function requireInteractablePost(db: DbOrTx, viewerId: string, postId: string): Promise<VisiblePost> {
  const post = await requireVisiblePost(db, viewerId, postId);
  if (post.status !== "published") throw new AppError("NOT_FOUND", "Post not found");
  return post;
}
