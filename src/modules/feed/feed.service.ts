// Custom feeds: stored config (source of truth) + normalized feed_filters, compiled to one
// parameterized query at execution, under the viewer's visibility, a statement timeout and a cache.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { emit } from "../events/events";
import { withoutMutedAuthors } from "./feed.home";
import { fetchVisiblePosts } from "../post/post.queries";
import { postItem, type TimelineItem } from "./feed.timeline";
import { canSeeProfileContent, relationBetween, type Visibility } from "../visibility/visibility";
import { postVisibleSql, VISIBLE_POST_FROM } from "../visibility/post-visibility";
import { compileFilters, ENGAGEMENT_WINDOW_DAYS, sortPlan } from "./feed.compile";
import { algorithmConfigSchema, type AlgorithmConfig } from "./feed.schema";

export const MAX_FEEDS_PER_USER = 50;
const EXECUTE_TIMEOUT_MS = 2_000;
const FEED_CACHE_TTL_SECONDS = 120;
/** The version of a feed's cached result pages (bumped on feed.changed, cache-invalidation.ts). */
export const feedVersionKey = (feedId: string) => `feed:${feedId}`;

interface FeedRow {
  id: string;
  user_id: string;
  name: string;
  description: string | null;
  algorithm_config: AlgorithmConfig;
  is_default: boolean;
  display_order: number;
  created_at: string;
  updated_at: string;
}

const feedView = (f: FeedRow) => ({
  id: f.id,
  name: f.name,
  description: f.description,
  algorithmConfig: f.algorithm_config,
  isDefault: f.is_default,
  displayOrder: f.display_order,
  createdAt: iso(f.created_at)!,
  updatedAt: iso(f.updated_at)!,
});
export type FeedView = ReturnType<typeof feedView>;

/** Rewrites feed_filters from the config: the normalized copy the spec asks for. */
async function writeFilters(tx: DbOrTx, feedId: string, config: AlgorithmConfig) {
  await tx.execute(sql`DELETE FROM feed_filters WHERE feed_id = ${feedId}`);
  for (const [order, f] of config.filters.entries()) {
    await tx.execute(sql`
      INSERT INTO feed_filters (feed_id, type, operator, value, group_id, logical_operator, display_order)
      VALUES (${feedId}, ${f.type}, ${f.operator}, ${JSON.stringify(f.value)}::jsonb, ${f.groupId}, ${f.logicalOperator}, ${order})`);
  }
}

/** Only one default feed per user. */
async function clearDefault(tx: DbOrTx, userId: string, exceptId: string) {
  await tx.execute(sql`UPDATE custom_feeds SET is_default = FALSE WHERE user_id = ${userId} AND id <> ${exceptId} AND is_default`);
}

export async function createFeed(
  db: Db,
  userId: string,
  input: { name: string; description?: string | null; algorithmConfig: AlgorithmConfig; isDefault?: boolean },
): Promise<FeedView> {
  return transaction(db, async (tx) => {
    await tx.execute(sql`SELECT 1 FROM users WHERE id = ${userId} FOR UPDATE`);
    const stats = await one<{ n: number; next: number }>(tx, sql`
      SELECT count(*)::int AS n, COALESCE(max(display_order) + 1, 0)::int AS next FROM custom_feeds WHERE user_id = ${userId}`);
    if (stats!.n >= MAX_FEEDS_PER_USER) throw new AppError("BAD_REQUEST", `At most ${MAX_FEEDS_PER_USER} feeds`, { appCode: "TOO_MANY_FEEDS" });
    const row = await one<FeedRow>(tx, sql`
      INSERT INTO custom_feeds (user_id, name, description, algorithm_config, is_default, display_order)
      VALUES (${userId}, ${input.name}, ${input.description ?? null}, ${JSON.stringify(input.algorithmConfig)}::jsonb,
              ${input.isDefault ?? false}, ${stats!.next})
      RETURNING *`);
    await writeFilters(tx, row!.id, input.algorithmConfig);
    if (input.isDefault) await clearDefault(tx, userId, row!.id);
    return feedView(row!);
  });
}

async function ownFeed(db: DbOrTx, userId: string, feedId: string): Promise<FeedRow> {
  const row = await one<FeedRow>(db, sql`SELECT * FROM custom_feeds WHERE id = ${feedId} AND user_id = ${userId} FOR UPDATE`);
  if (!row) throw new AppError("NOT_FOUND", "Feed not found");
  return row;
}

export async function updateFeed(
  db: Db,
  cache: Cache,
  userId: string,
  input: { feedId: string; name?: string; description?: string | null; algorithmConfig?: AlgorithmConfig; isDefault?: boolean },
): Promise<FeedView> {
  const view = await transaction(db, async (tx) => {
    const feed = await ownFeed(tx, userId, input.feedId);
    const row = await one<FeedRow>(tx, sql`
      UPDATE custom_feeds SET
        name = ${input.name ?? feed.name},
        description = ${input.description === undefined ? feed.description : input.description},
        algorithm_config = ${JSON.stringify(input.algorithmConfig ?? feed.algorithm_config)}::jsonb,
        is_default = ${input.isDefault ?? feed.is_default}
      WHERE id = ${feed.id} RETURNING *`);
    if (input.algorithmConfig) await writeFilters(tx, feed.id, input.algorithmConfig);
    if (input.isDefault) await clearDefault(tx, userId, feed.id);
    return feedView(row!);
  });
  await emit({ db, cache }, { type: "feed.changed", feedId: input.feedId });
  return view;
}

export async function deleteFeed(db: Db, cache: Cache, userId: string, feedId: string): Promise<{ deleted: true }> {
  const rows = await many<{ id: string }>(db, sql`DELETE FROM custom_feeds WHERE id = ${feedId} AND user_id = ${userId} RETURNING id`);
  if (!rows.length) throw new AppError("NOT_FOUND", "Feed not found");
  await emit({ db, cache }, { type: "feed.changed", feedId });
  return { deleted: true };
}

export async function listFeeds(db: DbOrTx, userId: string): Promise<FeedView[]> {
  const rows = await many<FeedRow>(db, sql`SELECT * FROM custom_feeds WHERE user_id = ${userId} ORDER BY display_order, id`);
  return rows.map(feedView);
}

export async function reorderFeeds(db: Db, userId: string, feedIds: string[]): Promise<FeedView[]> {
  return transaction(db, async (tx) => {
    const mine = await many<{ id: string }>(tx, sql`SELECT id FROM custom_feeds WHERE user_id = ${userId} ORDER BY display_order, id FOR UPDATE`);
    const owned = new Set(mine.map((r) => r.id));
    if (feedIds.some((id) => !owned.has(id))) throw new AppError("NOT_FOUND", "Feed not found");
    const order = [...feedIds, ...mine.map((r) => r.id).filter((id) => !feedIds.includes(id))];
    for (const [index, id] of order.entries()) await tx.execute(sql`UPDATE custom_feeds SET display_order = ${index} WHERE id = ${id}`);
    return listFeeds(tx, userId);
  });
}

/** A feed the viewer may run: their own, or one whose owner's profile they may see. */
async function runnableFeed(db: DbOrTx, viewerId: string | null, feedId: string): Promise<FeedRow> {
  const row = await one<FeedRow & { owner_status: string; visibility: Visibility }>(db, sql`
    SELECT f.*, u.status AS owner_status, pr.visibility FROM custom_feeds f
    JOIN users u ON u.id = f.user_id JOIN user_profiles pr ON pr.user_id = f.user_id WHERE f.id = ${feedId}`);
  if (!row || row.owner_status !== "active") throw new AppError("NOT_FOUND", "Feed not found");
  if (!canSeeProfileContent(row.visibility, await relationBetween(db, viewerId, row.user_id))) {
    throw new AppError("NOT_FOUND", "Feed not found");
  }
  return row;
}

/** Runs an algorithm config for a viewer: candidate ids and the next cursor. */
export async function runAlgorithm(
  db: Db,
  viewerId: string | null,
  ownerId: string,
  rawConfig: unknown,
  input: { cursor?: string; limit: number },
): Promise<{ ids: string[]; nextCursor: string | null }> {
  // Stored configs are re-validated: a config written by an older version cannot reach SQL unchecked.
  const parsed = algorithmConfigSchema.safeParse(rawConfig);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "This feed's configuration is no longer valid", { appCode: "INVALID_FEED_CONFIG" });
  const config = parsed.data;
  const after = decodeCursor(input.cursor, 3);
  const referenceTime = after ? String(after[2]) : new Date().toISOString();
  const plan = sortPlan(config.sort, referenceTime);
  const limit = Math.min(input.limit, config.limit ?? 100);
  const castValue = (v: string | number) =>
    plan.cast === "timestamptz" ? sql`${String(v)}::timestamptz` : plan.cast === "int4" ? sql`${Number(v)}::int4` : sql`${Number(v)}::float8`;
  const rows = await db.transaction(async (tx) => {
    await tx.execute(sql`SELECT set_config('statement_timeout', ${String(EXECUTE_TIMEOUT_MS)}, true)`);
    return many<{ id: string; k: string | number }>(tx, sql`
      SELECT p.id, ${plan.key} AS k FROM ${VISIBLE_POST_FROM}
      WHERE ${postVisibleSql(viewerId, { publishedOnly: true })}
        AND ${compileFilters(config, ownerId)}
        ${config.sort === "engagement" ? sql`AND p.published_at > ${referenceTime}::timestamptz - make_interval(days => ${ENGAGEMENT_WINDOW_DAYS})` : sql``}
        ${viewerId ? sql`AND NOT EXISTS (SELECT 1 FROM user_mutes mu WHERE mu.muter_id = ${viewerId} AND mu.muted_id = p.user_id)` : sql``}
        ${after ? sql`AND (${plan.key}, p.id) < (${castValue(after[0]!)}, ${String(after[1])}::bigint)` : sql``}
      ORDER BY ${plan.key} DESC, p.id DESC
      LIMIT ${limit + 1}`);
  });
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { ids: kept.map((r) => r.id), nextCursor: hasMore && last ? encodeCursor([last.k, last.id, referenceTime]) : null };
}

export async function executeFeed(
  db: Db,
  cache: Cache,
  viewerId: string | null,
  input: { feedId: string; cursor?: string; limit: number },
): Promise<Page<TimelineItem>> {
  const feed = await runnableFeed(db, viewerId, input.feedId);
  // Keyed by viewer (results are per-viewer) and by the feed's version (bumped on every change).
  const version = await cache.version(feedVersionKey(feed.id));
  const key = `feedexec:${feed.id}:${version}:${new Date(feed.updated_at).getTime()}:${viewerId ?? "anon"}:${input.limit}:${input.cursor ?? ""}`;
  let page = await cache.get<{ ids: string[]; nextCursor: string | null }>(key);
  if (!page) {
    page = await runAlgorithm(db, viewerId, feed.user_id, feed.algorithm_config, input);
    await cache.set(key, page, FEED_CACHE_TTL_SECONDS);
  }
  return hydrateFeedPage(db, viewerId, page);
}

/**
 * Candidate ids → timeline items. Hydration re-applies visibility and mutes, so a post deleted or
 * hidden since caching never shows. Shared by feed.execute and `feed` profile sections (section.feed).
 */
export async function hydrateFeedPage(db: DbOrTx, viewerId: string | null, page: { ids: string[]; nextCursor: string | null }): Promise<Page<TimelineItem>> {
  const posts = await withoutMutedAuthors(db, viewerId, await fetchVisiblePosts(db, viewerId, page.ids));
  return { items: posts.map(postItem), nextCursor: page.nextCursor };
}
