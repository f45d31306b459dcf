// Quote posts (issue 19): a post that quotes another embeds it (post.extras.ts re-checks it per
// reader), its author is notified once the quote is published, and may detach their post from it.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { AppError } from "../../lib/errors";
import { notify } from "../notification/notification.service";
import { requireInteractablePost } from "../visibility/post-visibility";

/** The post to quote: published and visible to the quoting author (else NOT_FOUND, as for a missing one). */
export async function requireQuotablePost(tx: DbOrTx, authorId: string, postId: string): Promise<{ id: string; user_id: string }> {
  return requireInteractablePost(tx, authorId, postId);
}

/**
 * Tells the quoted post's author, once the quoting post is published (create, publish, the
 * scheduler), and only if they may see the quoting post; never for quoting oneself, nor once detached.
 */
export async function notifyQuoted(tx: DbOrTx, post: { id: string; userId: string; content: string | null }): Promise<void> {
  const target = await one<{ user_id: string }>(tx, sql`
    SELECT q.user_id FROM posts p JOIN posts q ON q.id = p.quote_of_post_id
    WHERE p.id = ${post.id} AND p.quote_detached_at IS NULL AND q.deleted_at IS NULL`);
  if (!target) return;
  await notify(tx, { recipientId: target.user_id, actorId: post.userId, type: "quote", postId: post.id, content: post.content, requirePostVisible: true });
}

/**
 * The quoted post's author detaches it from the quote `quotingPostId`: the embed then says
 * "detached" to every reader (Mastodon's revoked quote). Final; NOT_FOUND unless the quoting post
 * exists and quotes one of the caller's posts. Idempotent.
 */
export async function detachQuote(db: Db, userId: string, quotingPostId: string): Promise<{ detached: true }> {
  const row = await one<{ id: string }>(db, sql`
    UPDATE posts p SET quote_detached_at = COALESCE(p.quote_detached_at, NOW())
    FROM posts q
    WHERE p.id = ${quotingPostId} AND p.deleted_at IS NULL AND q.id = p.quote_of_post_id AND q.user_id = ${userId}
    RETURNING p.id`);
  if (!row) throw new AppError("NOT_FOUND", "Post not found");
  return { detached: true };
}
