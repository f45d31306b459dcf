// The timeline engine behind feed.home and list.posts (every timeline answers its items in this
// file's TimelineItem shape: see post.output.ts): posts and reposts by a set of authors,
// newest first. Not the spec's `IN (…) ORDER BY … OFFSET` shape: each author contributes its own
// top N through an index that leads with the author (LATERAL), and the merge keeps the best N. A
// keyset cursor makes page 25 cost what page 1 costs, at 3 follows or at 5,000.
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { anyBigint, iso, many } from "../../db/query";
import { decodeCursor, encodeCursor, type Page } from "../../lib/pagination";
import { fetchVisiblePosts, type PostView } from "../post/post.queries";
import { postVisibleSql } from "../visibility/post-visibility";
import { accountVisibleSql, profileContentVisibleSql } from "../visibility/visibility";

export interface TimelineItem {
  /** Stable item key: "p<postId>" for a post, "r<repostId>" for a repost. */
  id: string;
  kind: "post" | "repost";
  post: PostView;
  repost: { id: string; by: { id: string; username: string; displayName: string | null }; comment: string | null; createdAt: string } | null;
}

/** Plain posts (a profile, a custom feed, discover, bookmarks) as timeline items. */
export function postItem(post: PostView): TimelineItem {
  return { id: `p${post.id}`, kind: "post", post, repost: null };
}

interface CandidateRow {
  kind: number; // 0 post, 1 repost
  item_id: string;
  post_id: string;
  ts: string;
  reposter_id: string | null;
}

/**
 * Authors whose activity the viewer's timeline shows: `authors` (a SELECT of ids) minus inactive
 * accounts, accounts the viewer muted, and accounts on either side of a block. Each exclusion is
 * one small set (hashed NOT IN), not a probe per followed account: at 5,000 follows that is the
 * difference between ~15,000 index lookups and four index range scans.
 */
export function eligibleAuthorsSql(viewerId: string | null, authors: SQL): SQL {
  const inactive = sql`a.id NOT IN (SELECT id FROM users WHERE status <> 'active')`;
  if (!viewerId) return sql`SELECT a.id FROM (${authors}) a(id) WHERE ${inactive}`;
  return sql`SELECT a.id FROM (${authors}) a(id)
    WHERE ${inactive} AND (a.id = ${viewerId} OR (
      a.id NOT IN (SELECT muted_id FROM user_mutes WHERE muter_id = ${viewerId})
      AND a.id NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = ${viewerId})
      AND a.id NOT IN (SELECT blocker_id FROM user_blocks WHERE blocked_id = ${viewerId})))`;
}

/**
 * Strategy thresholds (mutable so tests can force each path): from `windowMinAuthors` authors on,
 * the windowed strategy is tried first with each of `windowSizes` in turn (newest posts and reposts
 * read), then the LATERAL merge. A small first window is cheaper (each window row costs ~1 µs of
 * hashing) and proves most pages of large follow sets; the larger one catches the rest.
 */
export const timelineTuning = { windowMinAuthors: 1_000, windowSizes: [1_000, 3_000] };

type Cursor = (string | number)[] | null;

/** Items strictly before the cursor in (ts, kind, id) order; the `ts <=` bound makes it index-usable. */
function beforeCursor(after: Cursor, ts: SQL, kind: number, id: SQL): SQL {
  if (!after) return sql``;
  const [cts, ckind, cid] = [String(after[0]), Number(after[1]), String(after[2])];
  return sql`AND ${ts} <= ${cts}::timestamptz AND (${ts}, ${kind}, ${id}) < (${cts}::timestamptz, ${ckind}::int, ${cid}::bigint)`;
}

/**
 * The final step shared by both strategies: candidates (CTE `merged`), walked newest first, each
 * checked through one LATERAL lookup (post, author, profile by key) under the visibility policy;
 * the LIMIT stops the walk after n visible items instead of joining every candidate. The author
 * checks (mutes; for a repost its reposter: active, no block either way, content visible, not
 * muted) repeat what `eligibleAuthorsSql` did for the LATERAL strategy; the windowed one relies on
 * them, since checking ~150 candidates is far cheaper than filtering 5,000 followed accounts first.
 */
function finalSelect(viewerId: string | null, n: number, extraColumns: SQL = sql``, extraFrom: SQL = sql``): SQL {
  const notMuted = (who: SQL) =>
    viewerId ? sql`AND (${who} = ${viewerId} OR NOT EXISTS (SELECT 1 FROM user_mutes mu WHERE mu.muter_id = ${viewerId} AND mu.muted_id = ${who}))` : sql``;
  // A repost shows only if its reposter's own content is visible to the viewer (a private
  // account's reposts stay private, a followers-only one's reach only followers — matters for lists).
  // A scalar subquery, not EXISTS: the planner may turn an EXISTS under OR into a hashed subplan
  // over every account (~100k rows), not knowing the LIMIT stops the walk after ~20 candidates.
  const reposterVisible = sql`COALESCE((SELECT TRUE FROM users ru JOIN user_profiles rp ON rp.user_id = ru.id
    WHERE ru.id = m.reposter_id AND ${accountVisibleSql(sql`ru.id`, sql`ru.status`, viewerId)}
      AND ${profileContentVisibleSql(sql`ru.id`, sql`rp.visibility`, viewerId)} ${notMuted(sql`ru.id`)}), FALSE)`;
  return sql`
    SELECT m.kind, m.item_id, m.post_id, m.ts, m.reposter_id ${extraColumns}
    FROM (SELECT * FROM merged ORDER BY ts DESC, kind DESC, item_id DESC) m ${extraFrom}
    CROSS JOIN LATERAL (
      SELECT 1 FROM posts p JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
      WHERE p.id = m.post_id AND ${postVisibleSql(viewerId, { publishedOnly: true })}
        ${notMuted(sql`p.user_id`)}
        AND (m.kind = 0 OR ${reposterVisible})
    ) visible
    ORDER BY m.ts DESC, m.kind DESC, m.item_id DESC
    LIMIT ${n}`;
}

/** Per-author top-N merge (LATERAL): each author's newest items through its own index. */
async function lateralCandidates(db: DbOrTx, viewerId: string | null, authors: SQL, after: Cursor, n: number): Promise<CandidateRow[]> {
  return many<CandidateRow>(db, sql`
    WITH eligible AS MATERIALIZED (${eligibleAuthorsSql(viewerId, authors)}),
    post_items AS (
      SELECT 0 AS kind, x.id AS item_id, x.id AS post_id, x.published_at AS ts, NULL::bigint AS reposter_id
      FROM eligible e CROSS JOIN LATERAL (
        SELECT p.id, p.published_at FROM posts p
        WHERE p.user_id = e.id AND p.status = 'published' AND p.deleted_at IS NULL
          ${beforeCursor(after, sql`p.published_at`, 0, sql`p.id`)}
        ORDER BY p.published_at DESC, p.id DESC LIMIT ${n}) x
    ),
    repost_items AS (
      SELECT 1 AS kind, x.id AS item_id, x.post_id, x.created_at AS ts, e.id AS reposter_id
      FROM eligible e CROSS JOIN LATERAL (
        SELECT r.id, r.post_id, r.created_at FROM reposts r
        WHERE r.user_id = e.id ${beforeCursor(after, sql`r.created_at`, 1, sql`r.id`)}
        ORDER BY r.created_at DESC, r.id DESC LIMIT ${n}) x
    ),
    merged AS (SELECT * FROM post_items UNION ALL SELECT * FROM repost_items)
    ${finalSelect(viewerId, n)}`);
}

/**
 * Windowed strategy for large author sets: read the `windowSize` newest posts and reposts overall
 * (index-only, covering indexes) and keep those by the authors (one hash of the author ids; the
 * per-author exclusions are checked on the few survivors in finalSelect). The page is exact when
 * every returned item is newer than the oldest item of each full window — anything the windows did
 * not read is older than that. Returns null when the window cannot prove the page.
 */
async function windowCandidates(db: DbOrTx, viewerId: string | null, authors: SQL, after: Cursor, n: number, windowSize: number): Promise<CandidateRow[] | null> {
  const rows = await many<CandidateRow & { proven: boolean; complete: boolean }>(db, sql`
    WITH pw AS MATERIALIZED (
      SELECT p.id, p.user_id, p.published_at AS ts FROM posts p
      WHERE p.status = 'published' AND p.deleted_at IS NULL ${beforeCursor(after, sql`p.published_at`, 0, sql`p.id`)}
      ORDER BY p.published_at DESC, p.id DESC LIMIT ${windowSize}),
    rw AS MATERIALIZED (
      SELECT r.id, r.user_id, r.post_id, r.created_at AS ts FROM reposts r
      WHERE TRUE ${beforeCursor(after, sql`r.created_at`, 1, sql`r.id`)}
      ORDER BY r.created_at DESC, r.id DESC LIMIT ${windowSize}),
    cuts AS (
      SELECT (SELECT CASE WHEN count(*) = ${windowSize} THEN min(ts) END FROM pw) AS p_cut,
             (SELECT CASE WHEN count(*) = ${windowSize} THEN min(ts) END FROM rw) AS r_cut),
    merged AS (
      SELECT w.kind, w.item_id, w.post_id, w.ts, w.reposter_id
      FROM (SELECT 0 AS kind, pw.id AS item_id, pw.id AS post_id, pw.ts, NULL::bigint AS reposter_id, pw.user_id FROM pw
            UNION ALL
            SELECT 1, rw.id, rw.post_id, rw.ts, rw.user_id, rw.user_id FROM rw) w
      WHERE w.user_id IN (${authors}))
    ${finalSelect(
      viewerId,
      n,
      sql`, COALESCE(m.ts > GREATEST(c.p_cut, c.r_cut), TRUE) AS proven, (c.p_cut IS NULL AND c.r_cut IS NULL) AS complete`,
      sql`CROSS JOIN cuts c`,
    )}`);
  if (rows.length === 0) return null;
  if (!rows.every((r) => r.proven)) return null;
  if (rows.length < n && !rows[0]!.complete) return null;
  return rows;
}

async function hasAtLeastAuthors(db: DbOrTx, authors: SQL, count: number): Promise<boolean> {
  const rows = await many<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM (SELECT 1 FROM (${authors}) a LIMIT ${count}) s`);
  return (rows[0]?.n ?? 0) >= count;
}

/** One page of the merged timeline of `authors` for `viewerId`. */
export async function authorTimeline(
  db: DbOrTx,
  viewerId: string | null,
  authors: SQL,
  input: { cursor?: string; limit: number },
): Promise<Page<TimelineItem>> {
  const after = decodeCursor(input.cursor, 3);
  const n = input.limit + 1;
  if (await hasAtLeastAuthors(db, authors, timelineTuning.windowMinAuthors)) {
    for (const windowSize of timelineTuning.windowSizes) {
      const windowed = await windowCandidates(db, viewerId, authors, after, n, windowSize);
      if (windowed) return hydrate(db, viewerId, windowed, input.limit);
    }
  }
  return hydrate(db, viewerId, await lateralCandidates(db, viewerId, authors, after, n), input.limit);
}

/** Candidates (already filtered) → items with full post views, plus the next cursor. */
export async function hydrate(db: DbOrTx, viewerId: string | null, rows: CandidateRow[], limit: number): Promise<Page<TimelineItem>> {
  const hasMore = rows.length > limit;
  const kept = hasMore ? rows.slice(0, limit) : rows;
  const repostIds = kept.filter((r) => r.kind === 1).map((r) => r.item_id);
  // Independent reads, issued together (two pool connections, or pipelined on a transaction's one).
  const [posts, reposts] = await Promise.all([
    fetchVisiblePosts(db, viewerId, [...new Set(kept.map((r) => r.post_id))]),
    repostIds.length
      ? many<{ id: string; comment: string | null; username: string; display_name: string | null }>(db, sql`
          SELECT r.id, r.comment, u.username, pr.display_name FROM reposts r
          JOIN users u ON u.id = r.user_id JOIN user_profiles pr ON pr.user_id = r.user_id
          WHERE r.id = ${anyBigint(repostIds)}`)
      : [],
  ]);
  const byId = new Map(posts.map((p) => [p.id, p]));
  const repostById = new Map(reposts.map((r) => [r.id, r]));
  const items: TimelineItem[] = [];
  for (const r of kept) {
    const post = byId.get(r.post_id);
    const repost = r.kind === 1 ? repostById.get(r.item_id) : undefined;
    if (!post || (r.kind === 1 && !repost)) continue;
    items.push({
      id: `${r.kind === 0 ? "p" : "r"}${r.item_id}`,
      kind: r.kind === 0 ? "post" : "repost",
      post,
      repost: repost
        ? { id: r.item_id, by: { id: r.reposter_id!, username: repost.username, displayName: repost.display_name }, comment: repost.comment, createdAt: iso(r.ts)! }
        : null,
    });
  }
  const last = kept[kept.length - 1];
  return { items, nextCursor: hasMore && last ? encodeCursor([last.ts, last.kind, last.item_id]) : null };
}

/** The home timeline: the accounts the viewer follows, and the viewer. */
export function homeAuthorsSql(viewerId: string): SQL {
  return sql`SELECT following_id FROM user_follows WHERE follower_id = ${viewerId} UNION ALL SELECT ${viewerId}::bigint`;
}

/** A list's timeline: its members. */
export function listAuthorsSql(listId: string): SQL {
  return sql`SELECT member_user_id FROM list_members WHERE list_id = ${listId}`;
}
