// feed.home (materialized timelines, feed.inbox.ts, with the engine behind them) and feed.discover
// (cached 5 minutes, per the spec). Both answer timeline items (feed.timeline.ts). Discover caches
// candidate ids only; posts are hydrated fresh under the visibility policy on every read, so a
// deletion, block, suspension or privacy change shows at once.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { fetchVisiblePosts } from "../post/post.queries";
import { inboxHome } from "./feed.inbox";
import { authorTimeline, homeAuthorsSql, postItem, type TimelineItem } from "./feed.timeline";
import { timelinesOf } from "./timeline-store";

const DISCOVER_TTL_SECONDS = 300;

/**
 * feed.home: the materialized timeline (feed.inbox.ts) where the deployment has one (the cache is
 * on); the engine for what the sets cannot prove (deep pages, a store outage) and with CACHE=off.
 */
export async function homeFeed(db: Db, cache: Cache, viewerId: string, input: { cursor?: string; limit: number }): Promise<Page<TimelineItem>> {
  const store = timelinesOf(cache);
  const page = store ? await inboxHome(db, store, viewerId, input) : null;
  return page ?? authorTimeline(db, viewerId, homeAuthorsSql(viewerId), input);
}

export const DISCOVER_WINDOWS = { "24h": 1, "7d": 7, "30d": 30 } as const;
export type DiscoverWindow = keyof typeof DISCOVER_WINDOWS;

/**
 * Popular recent posts: engagement (likes + 2·comments + 3·reposts) of public posts published in
 * the window, ties broken by id. The window's end is fixed by the first page and carried in the
 * cursor, so paging does not slide.
 */
export async function discoverFeed(
  db: Db,
  cache: Cache,
  viewerId: string | null,
  input: { cursor?: string; limit: number; window: DiscoverWindow },
): Promise<Page<TimelineItem>> {
  const after = decodeCursor(input.cursor, 3);
  const windowEnd = after ? String(after[2]) : new Date().toISOString();
  // First pages share one cache entry per window for the TTL; later pages are keyed by their cursor.
  const key = `discover:${input.window}:${input.limit}:${input.cursor ?? "first"}`;
  let page = await cache.get<{ ids: string[]; nextCursor: string | null }>(key);
  if (!page) {
    const score = sql`(p.likes_count + 2 * p.comments_count + 3 * p.reposts_count)`;
    // Index-only over posts_published_at_idx (it covers the counters); inactive and non-public
    // authors are two small hashed sets rather than a join per post.
    const rows = await many<{ id: string; score: number }>(db, sql`
      SELECT p.id, ${score} AS score
      FROM posts p
      WHERE p.status = 'published' AND p.deleted_at IS NULL
        AND p.published_at > ${windowEnd}::timestamptz - make_interval(days => ${DISCOVER_WINDOWS[input.window]})
        AND p.published_at <= ${windowEnd}::timestamptz
        AND p.user_id NOT IN (SELECT id FROM users WHERE status <> 'active')
        AND p.user_id NOT IN (SELECT user_id FROM user_profiles WHERE visibility <> 'public')
        ${after ? sql`AND (${score}, p.id) < (${Number(after[0])}, ${String(after[1])}::bigint)` : sql``}
      ORDER BY score DESC, p.id DESC
      LIMIT ${input.limit + 1}`);
    const hasMore = rows.length > input.limit;
    const kept = hasMore ? rows.slice(0, input.limit) : rows;
    const last = kept[kept.length - 1];
    page = { ids: kept.map((r) => r.id), nextCursor: hasMore && last ? encodeCursor([last.score, last.id, windowEnd]) : null };
    await cache.set(key, page, DISCOVER_TTL_SECONDS);
  }
  const items = await withoutMutedAuthors(db, viewerId, await fetchVisiblePosts(db, viewerId, page.ids));
  return { items: items.map(postItem), nextCursor: page.nextCursor };
}

/** Cached id lists predate the viewer's latest mutes: drop posts by accounts the viewer muted. */
export async function withoutMutedAuthors<T extends { author: { id: string } }>(db: DbOrTx, viewerId: string | null, posts: T[]): Promise<T[]> {
  if (!viewerId || !posts.length) return posts;
  const muted = new Set((await many<{ id: string }>(db, sql`SELECT muted_id AS id FROM user_mutes WHERE muter_id = ${viewerId}`)).map((m) => m.id));
  return muted.size ? posts.filter((p) => p.author.id === viewerId || !muted.has(p.author.id)) : posts;
}
