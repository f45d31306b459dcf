// Likes, bookmarks, reposts and views. Each is idempotent (a unique key, ON CONFLICT DO NOTHING),
// counters move only through the triggers, and a post the caller may not see is NOT_FOUND.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { notify } from "../notification/notification.service";
import { postVisibleSql, requireInteractablePost, requireVisiblePost, VISIBLE_POST_FROM } from "../visibility/post-visibility";
import { postItem, type TimelineItem } from "../feed/feed.timeline";
import { postColumnsSql, postView, type PostRow } from "./post.queries";
import { withExtras } from "./post.extras";

async function counts(db: Db, postId: string) {
  const row = await one<{ likes: number; reposts: number; views: number }>(db, sql`
    SELECT likes_count AS likes, reposts_count AS reposts, views_count AS views FROM posts WHERE id = ${postId}`);
  return row!;
}

export async function likePost(db: Db, userId: string, postId: string) {
  await transaction(db, async (tx) => {
    const post = await requireInteractablePost(tx, userId, postId);
    const inserted = await many<{ id: string }>(tx, sql`
      INSERT INTO post_interactions (user_id, post_id, type) VALUES (${userId}, ${postId}, 'like')
      ON CONFLICT (user_id, post_id, type) DO NOTHING RETURNING id`);
    // The notification's own unique index makes "once per actor and post" hold across unlike + like.
    if (inserted.length) await notify(tx, { recipientId: post.user_id, actorId: userId, type: "like", postId });
  });
  return { liked: true as const, likesCount: (await counts(db, postId)).likes };
}

export async function unlikePost(db: Db, userId: string, postId: string) {
  await requireVisiblePost(db, userId, postId);
  await db.execute(sql`DELETE FROM post_interactions WHERE user_id = ${userId} AND post_id = ${postId} AND type = 'like'`);
  return { liked: false as const, likesCount: (await counts(db, postId)).likes };
}

export async function bookmarkPost(db: Db, userId: string, postId: string) {
  await requireInteractablePost(db, userId, postId);
  await db.execute(sql`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${userId}, ${postId}, 'bookmark')
                       ON CONFLICT (user_id, post_id, type) DO NOTHING`);
  return { bookmarked: true as const };
}

export async function unbookmarkPost(db: Db, userId: string, postId: string) {
  await requireVisiblePost(db, userId, postId);
  await db.execute(sql`DELETE FROM post_interactions WHERE user_id = ${userId} AND post_id = ${postId} AND type = 'bookmark'`);
  return { bookmarked: false as const };
}

/** The caller's bookmarks, newest bookmark first, still under the visibility policy. */
export async function listBookmarks(db: Db, userId: string, input: { cursor?: string; limit: number }): Promise<Page<TimelineItem>> {
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<PostRow & { bookmark_at: string; bookmark_id: string }>(db, sql`
    SELECT ${postColumnsSql(userId)}, i.created_at AS bookmark_at, i.id AS bookmark_id
    FROM post_interactions i JOIN ${VISIBLE_POST_FROM} ON p.id = i.post_id
    WHERE i.user_id = ${userId} AND i.type = 'bookmark' AND ${postVisibleSql(userId)}
      ${after ? sql`AND (i.created_at, i.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY i.created_at DESC, i.id DESC
    LIMIT ${input.limit + 1}`);
  const page = toPage(rows, input.limit, (r) => postItem(postView(r)), (r) => [r.bookmark_at, r.bookmark_id]);
  await withExtras(db, userId, page.items.map((i) => i.post));
  return page;
}

export async function repostPost(db: Db, userId: string, postId: string, comment?: string) {
  await transaction(db, async (tx) => {
    const post = await requireInteractablePost(tx, userId, postId);
    const inserted = await many<{ id: string }>(tx, sql`
      INSERT INTO reposts (user_id, post_id, comment) VALUES (${userId}, ${postId}, ${comment?.trim() || null})
      ON CONFLICT (user_id, post_id) DO NOTHING RETURNING id`);
    if (inserted.length) await notify(tx, { recipientId: post.user_id, actorId: userId, type: "repost", postId, content: comment ?? null });
  });
  return { reposted: true as const, repostsCount: (await counts(db, postId)).reposts };
}

export async function unrepostPost(db: Db, userId: string, postId: string) {
  await requireVisiblePost(db, userId, postId);
  await db.execute(sql`DELETE FROM reposts WHERE user_id = ${userId} AND post_id = ${postId}`);
  return { reposted: false as const, repostsCount: (await counts(db, postId)).reposts };
}

const VIEW_DEDUPE_SECONDS = 3600;

/** Counts a view at most once an hour per viewer (account, or address when anonymous). */
export async function viewPost(db: Db, cache: Cache, viewer: { userId: string | null; ip: string }, postId: string) {
  const post = await requireVisiblePost(db, viewer.userId, postId);
  if (post.status !== "published") return { counted: false, viewsCount: (await counts(db, postId)).views };
  const key = `view:${postId}:${viewer.userId ?? `ip:${viewer.ip}`}`;
  if (await cache.get(key)) return { counted: false, viewsCount: (await counts(db, postId)).views };
  await cache.set(key, 1, VIEW_DEDUPE_SECONDS);
  const row = await one<{ views: number }>(db, sql`UPDATE posts SET views_count = views_count + 1 WHERE id = ${postId} RETURNING views_count AS views`);
  return { counted: true, viewsCount: row!.views };
}
