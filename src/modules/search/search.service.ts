// search.posts, search.tags, search.users: PostgreSQL full-text search under the visibility policy.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import { AppError } from "../../lib/errors";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { postItem, type TimelineItem } from "../feed/feed.timeline";
import { fetchVisiblePosts } from "../post/post.queries";
import { searchUsers, type UserSummary } from "../user/user.service";
import { postVisibleSql } from "../visibility/post-visibility";
import { rankedPageSql } from "./search.queries";
import { parseSearchQuery } from "./search.schema";

/**
 * Posts matching the query, best first: score = log2(relevance) + published_at / 14 days
 * (search.queries.ts), ties by id.
 *
 * Paging. Relevance needs the whole match set ranked before the first item is known, and a common
 * word matches most posts. So the ranked set is bounded: the SEARCH_CANDIDATES newest matches
 * (one index walk: the GIN index for rare terms, posts_published_at_idx filtered for common ones —
 * the planner picks by the terms' statistics), published no later than the first page's snapshot
 * time. The cursor is (snapshot, score, id): later pages rank the same candidate set (posts
 * published meanwhile stay out) and continue strictly after (score, id), so pages neither repeat
 * nor skip while the set holds still. Visibility is checked after ranking, walking in score order,
 * so only about a page's worth of candidates pays the per-viewer probes. A query without words or
 * phrases (#tag / from: / type: only) has nothing to rank: it is a timeline, newest first, keyset
 * on (published_at, id) over every match, unbounded.
 */
export async function searchPosts(
  db: DbOrTx,
  viewerId: string | null,
  input: { query: string; cursor?: string; limit: number },
): Promise<Page<TimelineItem>> {
  const q = parseSearchQuery(input.query);
  const after = decodeCursor(input.cursor, 3);
  const rows = await many<{ id: string; score: string; snapshot: string }>(db, rankedPageSql(viewerId, q, after, input.limit + 1));
  const hasMore = rows.length > input.limit;
  const kept = hasMore ? rows.slice(0, input.limit) : rows;
  const posts = await fetchVisiblePosts(db, viewerId, kept.map((r) => r.id));
  const last = kept[kept.length - 1];
  return {
    items: posts.map(postItem),
    nextCursor: hasMore && last ? encodeCursor([last.snapshot, last.score, last.id]) : null,
  };
}

/** A tag as typed ("#Café", "caf") → its stored form's prefix; BAD_REQUEST on `field` otherwise. */
export function normalizeTagPrefix(prefix: string, field: string): string {
  const tag = prefix.trim().replace(/^#/, "").toLowerCase();
  if (!/^[\p{L}\p{N}_]{1,64}$/u.test(tag)) {
    throw new AppError("BAD_REQUEST", "A tag prefix is 1–64 letters, digits or underscores (a leading # is ignored)", { field });
  }
  return tag;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export interface TagCount {
  tag: string;
  /** Posts carrying the tag (post_tags rows). */
  posts: number;
}

/** How many tags of a prefix are considered, by usage, before the visibility probe. */
const TAG_CANDIDATES = 200;

/**
 * Tags starting with `prefix`, most used first (an exact match first of all). A tag shows only
 * when at least one live post anyone may see carries it (active author, public profile): a tag
 * used only in private or followers-only posts, drafts or deleted posts never shows, so search
 * cannot reveal that such a post exists. The count is every post carrying the tag — a number, no
 * post: counting only public posts joins every tagged post to its author and profile (the bench's
 * prefix "tag5", 85k posts: 700 ms), the index-only count of the prefix range takes ~20 ms. The
 * visibility probe stops at the tag's first public post (LIMIT 1) and runs for the
 * TAG_CANDIDATES most used tags of the prefix only.
 */
export async function searchTags(db: DbOrTx, input: { prefix: string; limit: number }): Promise<{ items: TagCount[] }> {
  const prefix = normalizeTagPrefix(input.prefix, "prefix");
  const items = await many<TagCount>(db, sql`
    WITH c AS MATERIALIZED (
      SELECT tag, count(*) AS uses FROM post_tags WHERE tag LIKE ${`${escapeLike(prefix)}%`}
      GROUP BY tag ORDER BY (tag = ${prefix}) DESC, count(*) DESC, tag
      LIMIT ${TAG_CANDIDATES})
    SELECT c.tag, c.uses::int AS posts
    FROM c CROSS JOIN LATERAL (
      SELECT 1 FROM post_tags t JOIN posts p ON p.id = t.post_id JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
      WHERE t.tag = c.tag AND ${postVisibleSql(null)}
      LIMIT 1) v
    ORDER BY (c.tag = ${prefix}) DESC, c.uses DESC, c.tag
    LIMIT ${input.limit}`);
  return { items };
}

/** user.search plus display-name words by prefix ("chen" finds "Maya Chen", "jose" finds "José"). */
export function searchPeople(db: DbOrTx, viewerId: string | null, input: { query: string; cursor?: string; limit: number }): Promise<Page<UserSummary>> {
  return searchUsers(db, viewerId, input, { displayNameWords: true });
}
