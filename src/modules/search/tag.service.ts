// tag.posts (a hashtag timeline) and tag.trending (tags by distinct authors over the last 24 h).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { postItem, type TimelineItem } from "../feed/feed.timeline";
import { fetchVisiblePosts } from "../post/post.queries";
import { postVisibleSql } from "../visibility/post-visibility";

/**
 * Posts carrying `tag` that the viewer may see, newest first, keyset by (published_at, id) like
 * every timeline. Muted authors are left out, as in the home timeline.
 */
export async function tagPosts(db: DbOrTx, viewerId: string | null, input: { tag: string; cursor?: string; limit: number }): Promise<Page<TimelineItem>> {
  const after = decodeCursor(input.cursor, 2);
  const notMuted = viewerId
    ? sql`AND (p.user_id = ${viewerId} OR NOT EXISTS (SELECT 1 FROM user_mutes mu WHERE mu.muter_id = ${viewerId} AND mu.muted_id = p.user_id))`
    : sql``;
  const rows = await many<{ id: string; published_at: string }>(db, sql`
    SELECT p.id, p.published_at
    FROM post_tags t JOIN posts p ON p.id = t.post_id JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
    WHERE t.tag = ${input.tag} AND ${postVisibleSql(viewerId, { publishedOnly: true })} ${notMuted}
      ${after ? sql`AND (p.published_at, p.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY p.published_at DESC, p.id DESC
    LIMIT ${input.limit + 1}`);
  const hasMore = rows.length > input.limit;
  const kept = hasMore ? rows.slice(0, input.limit) : rows;
  const posts = await fetchVisiblePosts(db, viewerId, kept.map((r) => r.id));
  const last = kept[kept.length - 1];
  return { items: posts.map(postItem), nextCursor: hasMore && last ? encodeCursor([last.published_at, last.id]) : null };
}

export interface TrendingTag {
  tag: string;
  /** Distinct authors who used the tag in the window. */
  authors: number;
  posts: number;
}

export const TRENDING_WINDOW_HOURS = 24;
const TRENDING_MAX = 50;
const TRENDING_TTL_SECONDS = 60;
const TRENDING_CACHE_KEY = "tags:trending:v1";

/**
 * Tags by distinct authors over the last 24 hours (one author posting a tag 100 times is one
 * vote), then by posts. Counted over what the public may see — live published posts of active
 * accounts with public profiles — and the same for every viewer: a trend list must not reveal
 * followers-only or private posts, and being one list it can be cached (60 s; TTL only, nothing
 * to invalidate: a minute-old trend list is still the trend).
 */
export async function trendingTags(db: DbOrTx, cache: Cache, input: { limit: number }): Promise<{ items: TrendingTag[]; windowHours: number }> {
  let top = await cache.get<TrendingTag[]>(TRENDING_CACHE_KEY);
  if (!top) {
    top = await many<TrendingTag>(db, sql`
      SELECT t.tag, count(DISTINCT p.user_id)::int AS authors, count(*)::int AS posts
      FROM posts p JOIN post_tags t ON t.post_id = p.id JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
      WHERE p.published_at > now() - make_interval(hours => ${TRENDING_WINDOW_HOURS}) AND p.published_at <= now()
        AND ${postVisibleSql(null)}
      GROUP BY t.tag
      ORDER BY authors DESC, posts DESC, t.tag
      LIMIT ${TRENDING_MAX}`);
    await cache.set(TRENDING_CACHE_KEY, top, TRENDING_TTL_SECONDS);
  }
  return { items: top.slice(0, input.limit), windowHours: TRENDING_WINDOW_HOURS };
}
