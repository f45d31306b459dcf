// SQL of search.posts: the parsed query as conditions on `posts p`, and the score. Every value is a
// bound parameter; the tsquery is built by PostgreSQL from the words (plainto_tsquery /
// phraseto_tsquery under simple_unaccent, drizzle/0062), never from query text we assemble.
import { sql, type SQL } from "drizzle-orm";
import { postVisibleSql } from "../visibility/post-visibility";
import type { ParsedQuery } from "./search.schema";

/**
 * How many matches a search ranks: the newest SEARCH_CANDIDATES live, published posts matching
 * every term (before per-viewer visibility). Bounded so a query whose words are in every post
 * ("post about" on the bench data: 1M matches) costs what a rare one costs; see search.service.ts.
 */
export const SEARCH_CANDIDATES = 1000;

/**
 * Recency against relevance: a post twice as relevant (ts_rank) ranks like one RECENCY_HALF_LIFE
 * newer. The score is log2(relevance) + published_at / half-life — absolute time, not age, so a
 * post's score never changes while someone pages (a cursor on it stays exact).
 */
export const RECENCY_HALF_LIFE_SECONDS = 14 * 86_400;

/** The document expression, spelled exactly as the index posts_search_idx (drizzle/0079: title, spoiler text, content) is. */
export const POST_DOCUMENT = sql`post_search_document(p.title, p.spoiler_text, p.content)`;

/** The tsquery of the words and phrases, or null when the query has none (tags / from: only). */
export function tsQuerySql(q: ParsedQuery): SQL | null {
  const parts: SQL[] = [];
  if (q.words.length) parts.push(sql`plainto_tsquery('public.simple_unaccent'::regconfig, ${q.words.join(" ")})`);
  for (const phrase of q.phrases) parts.push(sql`phraseto_tsquery('public.simple_unaccent'::regconfig, ${phrase})`);
  if (!parts.length) return null;
  return sql`(${sql.join(parts, sql` && `)})`;
}

/** Conditions on `posts p` for every term; the published/live part matches the index predicates. */
export function termConditionsSql(q: ParsedQuery, query: SQL | null): SQL {
  const conds: SQL[] = [sql`p.status = 'published'`, sql`p.deleted_at IS NULL`];
  if (query) conds.push(sql`${POST_DOCUMENT} @@ ${query}`);
  if (q.from !== null) conds.push(sql`p.user_id = (SELECT id FROM users WHERE LOWER(username) = LOWER(${q.from}))`);
  if (q.type !== null) conds.push(sql`p.type = ${q.type}`);
  for (const tag of q.tags) conds.push(sql`EXISTS (SELECT 1 FROM post_tags t WHERE t.post_id = p.id AND t.tag = ${tag})`);
  return sql.join(conds, sql` AND `);
}

/**
 * The score of candidate `c` (columns title, spoiler_text, content, published_at) for the tsquery, a float8. A
 * cursor carries it as text: float8 prints the shortest text that reads back to the same bits
 * (extra_float_digits 1, the default since PostgreSQL 12), and recomputing it from the same row
 * gives the same bits, so `(score, id) < cursor` is exact. (numeric arithmetic was 8 µs a
 * candidate; float8 is free.)
 */
export function scoreSql(query: SQL): SQL {
  // ts_rank normalization 1: divided by 1 + log(document length), so a short post that is all
  // about the words beats a long article that mentions them once.
  const relevance = sql`ln(GREATEST(ts_rank(post_search_document(c.title, c.spoiler_text, c.content), ${query}, 1)::float8, 1e-6)) / ln(2::float8)`;
  return sql`(${relevance} + extract(epoch FROM c.published_at)::float8 / ${RECENCY_HALF_LIFE_SECONDS}::float8)`;
}

/** A viewer's mutes hide authors from search as from timelines — unless the query names the author. */
function notMutedSql(viewerId: string | null, explicitAuthor: boolean): SQL {
  if (!viewerId || explicitAuthor) return sql``;
  return sql`AND (p.user_id = ${viewerId} OR NOT EXISTS (SELECT 1 FROM user_mutes mu WHERE mu.muter_id = ${viewerId} AND mu.muted_id = p.user_id))`;
}

/**
 * One page of search.posts (`n` rows: limit + 1) after the cursor `after` = [snapshot, score, id]:
 * rows (id, score, snapshot). With words or phrases the score is scoreSql's; without, published_at. The paging scheme is explained at searchPosts (search.service.ts).
 * The candidates CTE is MATERIALIZED so the bounded set is computed once, before any ranking.
 */
export function rankedPageSql(viewerId: string | null, q: ParsedQuery, after: (string | number)[] | null, n: number): SQL {
  const query = tsQuerySql(q);
  const snapshot = after ? sql`${String(after[0])}::timestamptz` : sql`statement_timestamp()`;
  if (!query) {
    // Only #tag / from: / type: — every match is equally relevant, so the score's order is plain
    // recency: a timeline (as tag.posts), keyset on (published_at, id) with visibility checked on
    // the walk, which stops after n rows. Ranking 1,000 candidates here would cost 10k probes for a
    // tag on 10% of the posts (#tag1 on the bench data: 89 ms) for the same order. The cursor keeps
    // its shape, [snapshot, published_at, id].
    return sql`
      SELECT p.id, p.published_at::text AS score, ${snapshot}::text AS snapshot
      FROM posts p JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
      WHERE ${termConditionsSql(q, null)} AND p.published_at <= ${snapshot}
        AND ${postVisibleSql(viewerId, { publishedOnly: true })} ${notMutedSql(viewerId, q.from !== null)}
        ${after ? sql`AND (p.published_at, p.id) < (${String(after[1])}::timestamptz, ${String(after[2])}::bigint)` : sql``}
      ORDER BY p.published_at DESC, p.id DESC
      LIMIT ${n}`;
  }
  return sql`
    WITH candidates AS MATERIALIZED (
      SELECT p.id, p.title, p.spoiler_text, p.content, p.published_at FROM posts p
      WHERE ${termConditionsSql(q, query)} AND p.published_at <= ${snapshot}
      ORDER BY p.published_at DESC, p.id DESC
      LIMIT ${SEARCH_CANDIDATES}),
    scored AS (SELECT c.id, ${scoreSql(query)} AS score FROM candidates c)
    SELECT s.id, s.score::text AS score, ${snapshot}::text AS snapshot
    FROM (SELECT * FROM scored
          ${after ? sql`WHERE (score, id) < (${String(after[1])}::float8, ${String(after[2])}::bigint)` : sql``}
          ORDER BY score DESC, id DESC) s
    CROSS JOIN LATERAL (
      SELECT 1 FROM posts p JOIN users u ON u.id = p.user_id JOIN user_profiles pr ON pr.user_id = p.user_id
      WHERE p.id = s.id AND ${postVisibleSql(viewerId, { publishedOnly: true })} ${notMutedSql(viewerId, q.from !== null)}
    ) visible
    ORDER BY s.score DESC, s.id DESC
    LIMIT ${n}`;
}
