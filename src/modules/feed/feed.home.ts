// feed.home and feed.discover, cached per the spec (home 1 minute, popular 5 minutes). Both answer
// timeline items (feed.timeline.ts). Only candidate ids (home: item refs) are cached; posts — and
// reposters — are hydrated fresh under the visibility policy on every read, so a deletion, block,
// suspension or privacy change shows at once. Additions (a followed account posts, the viewer
// follows someone) bump the viewer's home version through domain events
// (src/modules/events/cache-invalidation.ts), so a new post shows on the next read.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { fetchVisiblePosts } from "../post/post.queries";
import { accountVisibleSql, profileContentVisibleSql } from "../visibility/visibility";
import { inboxHome } from "./feed.inbox";
import { authorTimeline, homeAuthorsSql, postItem, type TimelineItem } from "./feed.timeline";
import { timelinesOf } from "./timeline-store";

const HOME_TTL_SECONDS = 60;
const DISCOVER_TTL_SECONDS = 300;
/** The version of a viewer's cached home pages (bumped by cache-invalidation.ts). */
export const homeVersionKey = (userId: string) => `home:${userId}`;

/** A cached home page: the items without their posts (hydrated fresh on every read). */
interface CachedHomePage {
  refs: { id: string; kind: TimelineItem["kind"]; postId: string; repost: TimelineItem["repost"] }[];
  nextCursor: string | null;
}

export async function homeFeed(db: Db, cache: Cache, viewerId: string, input: { cursor?: string; limit: number }): Promise<Page<TimelineItem>> {
  // Materialized timelines (feed.inbox.ts) when the deployment has a store; the engine serves what
  // they cannot prove (deep pages, a store outage).
  const store = timelinesOf(cache);
  if (store) return (await inboxHome(db, store, viewerId, input)) ?? authorTimeline(db, viewerId, homeAuthorsSql(viewerId), input);
  const version = await cache.version(homeVersionKey(viewerId));
  // v2: refs only (v1 entries held whole post views); a v1 entry is simply never read again.
  const key = `homepage:v2:${viewerId}:${version}:${input.limit}:${input.cursor ?? ""}`;
  const cached = await cache.get<CachedHomePage>(key);
  if (cached) {
    // Re-hydrate: fresh counts, flags and visibility for the cached item list — the post under the
    // policy, and a repost only while it exists and its reposter is still someone this viewer may
    // see (active, no block either way, content visible, not muted), exactly as on a fresh read.
    const fresh = new Map((await fetchVisiblePosts(db, viewerId, [...new Set(cached.refs.map((r) => r.postId))])).map((p) => [p.id, p]));
    const repostIds = cached.refs.flatMap((ref) => (ref.repost ? [ref.repost.id] : []));
    const liveReposts = new Set(repostIds.length ? await visibleRepostIds(db, viewerId, repostIds) : []);
    const items = cached.refs.flatMap((ref): TimelineItem[] => {
      const post = fresh.get(ref.postId);
      return post && (!ref.repost || liveReposts.has(ref.repost.id)) ? [{ id: ref.id, kind: ref.kind, post, repost: ref.repost }] : [];
    });
    return { items, nextCursor: cached.nextCursor };
  }
  const page = await authorTimeline(db, viewerId, homeAuthorsSql(viewerId), input);
  const entry: CachedHomePage = {
    refs: page.items.map((i) => ({ id: i.id, kind: i.kind, postId: i.post.id, repost: i.repost })),
    nextCursor: page.nextCursor,
  };
  await cache.set(key, entry, HOME_TTL_SECONDS);
  return page;
}

/** Of these reposts, those that still exist and whose reposter the viewer may see (as feed.timeline's finalSelect). */
async function visibleRepostIds(db: DbOrTx, viewerId: string, repostIds: string[]): Promise<string[]> {
  const rows = await many<{ id: string }>(db, sql`
    SELECT r.id::text AS id FROM reposts r JOIN users ru ON ru.id = r.user_id JOIN user_profiles rp ON rp.user_id = r.user_id
    WHERE r.id IN (${sql.join(repostIds.map((id) => sql`${id}`), sql`, `)})
      AND ${accountVisibleSql(sql`ru.id`, sql`ru.status`, viewerId)}
      AND ${profileContentVisibleSql(sql`ru.id`, sql`rp.visibility`, viewerId)}
      AND (ru.id = ${viewerId} OR NOT EXISTS (SELECT 1 FROM user_mutes mu WHERE mu.muter_id = ${viewerId} AND mu.muted_id = ru.id))`);
  return rows.map((r) => r.id);
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
