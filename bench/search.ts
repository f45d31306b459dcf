// `bun bench/search.ts`: search at scale (issue 18). Connects to BENCH_DATABASE_URL (the data set of
// `bun run bench:data`, which this script never rewrites), applies the pending search migrations
// (building posts_search_idx over 1M posts takes a few minutes, once), and measures the search
// service functions directly — one client, requests one after another, no HTTP and no cache — for
// each query shape; then EXPLAIN (ANALYZE, BUFFERS) of the two-word query. Writes
// bench/search-results.md.
//
// The bench posts read "Post <n> about #tag<k>" (tags Zipf over 1,000), so "post" and "about" are
// in every one of the 1M posts: the dense cases are the worst case for a ranked search, and the
// rare ones (a post number, a tail tag) the GIN index's best.
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import postgres from "postgres";
import { sql as dsql } from "drizzle-orm";
import { connectPostgres } from "../src/db/client";
import { loadMigrations, migrate } from "../src/db/migrate";
import { many } from "../src/db/query";
import { NullCache } from "../src/lib/cache";
import { parseSearchQuery } from "../src/modules/search/search.schema";
import { rankedPageSql } from "../src/modules/search/search.queries";
import { searchPeople, searchPosts, searchTags } from "../src/modules/search/search.service";
import { tagPosts, trendingTags } from "../src/modules/search/tag.service";

const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("BENCH_DATABASE_URL is required (run `bun run bench:data` first)");
  process.exit(2);
}
const N = Number(process.env.BENCH_REQUESTS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);

// Migrations: up to this work's last one only. Other work in the same checkout may have
// unfinished migration files after it, and they must not land on the shared bench database.
const LAST_SEARCH_MIGRATION = "0063_add_tag_and_name_search_indexes.sql";
const admin = postgres(url, { max: 1, onnotice: () => {} });
const t0 = performance.now();
const applied = await migrate(admin, loadMigrations().filter((m) => m.name <= LAST_SEARCH_MIGRATION));
const migrateMs = performance.now() - t0;
console.log(`migrations: ${JSON.stringify(applied)} in ${(migrateMs / 1000).toFixed(1)} s`);
// Expression statistics of the new indexes (the planner's guess of how many posts a word matches).
await admin`ANALYZE posts`;
await admin`ANALYZE post_tags`;
await admin`ANALYZE user_profiles`;
await admin.end();

const database = connectPostgres(url, { max: 1, statementTimeoutMs: 60_000, acquireTimeoutMs: 60_000 });
const db = database.db;
const cache = new NullCache();

const [facts] = await many<{ posts: number; users: number; viewer: string; size: string }>(db, dsql`
  SELECT (SELECT count(*)::int FROM posts) AS posts, (SELECT count(*)::int FROM users) AS users,
         (SELECT id::text FROM users WHERE username = 'bench_v2000') AS viewer,
         pg_size_pretty(pg_relation_size('posts_search_idx')) AS size`);
if (!facts?.viewer) throw new Error("bench_v2000 missing: run bun run bench:data");
const viewer = facts.viewer;
const [maxPost] = await many<{ id: number }>(db, dsql`SELECT max(id)::int AS id FROM posts`);
const maxId = maxPost!.id;

let i = 0;
const next = () => ++i;
/** A post number (the word in exactly one post), spread over the id range. */
const postNumber = () => String(1 + ((next() * 7919) % maxId));
/** Tags 100–999: a few hundred to ~1,500 posts each (tag1 alone has ~100k). */
const midTag = () => `tag${100 + (next() * 37) % 900}`;

interface Case { name: string; matches: string; run: () => Promise<unknown>; /** fewer runs for slow baselines */ runs?: number }
const cases: Case[] = [
  { name: "one word, rare: `<post number>`", matches: "1", run: () => searchPosts(db, viewer, { query: postNumber(), limit: 20 }) },
  { name: "one word, dense: `about`", matches: "all 1M", run: () => searchPosts(db, viewer, { query: "about", limit: 20 }) },
  { name: "two words, dense: `post about`", matches: "all 1M", run: () => searchPosts(db, viewer, { query: "post about", limit: 20 }) },
  { name: "two words, signed out: `post about`", matches: "all 1M", run: () => searchPosts(db, null, { query: "post about", limit: 20 }) },
  { name: "two words, mixed: `about tag<k>`", matches: "~100–1,500", run: () => searchPosts(db, viewer, { query: `about ${midTag()}`, limit: 20 }) },
  { name: "two words, rare + dense: `post <post number>`", matches: "1", run: () => searchPosts(db, viewer, { query: `post ${postNumber()}`, limit: 20 }) },
  { name: "`#tag<k>` (tail tag)", matches: "~100–1,500", run: () => searchPosts(db, viewer, { query: `#${midTag()}`, limit: 20 }) },
  { name: "`#tag1` (head tag)", matches: "~100k", run: () => searchPosts(db, viewer, { query: "#tag1", limit: 20 }) },
  { name: "`from:celebrity`", matches: "the most prolific author", run: () => searchPosts(db, viewer, { query: "from:celebrity", limit: 20 }) },
  { name: "`about from:user<n>`", matches: "one author's posts", run: () => searchPosts(db, viewer, { query: `about from:user${1 + (next() * 13) % 5000}`, limit: 20 }) },
  { name: "tag.posts `tag<k>`", matches: "~100–1,500", run: () => tagPosts(db, viewer, { tag: midTag(), limit: 20 }) },
  { name: "tag.posts `tag1`", matches: "~100k", run: () => tagPosts(db, viewer, { tag: "tag1", limit: 20 }) },
  { name: "tag.trending (uncached)", matches: "posts of the last 24 h", run: () => trendingTags(db, cache, { limit: 10 }) },
  { name: "search.tags `tag5`", matches: "tag5, tag50–59, tag500–599", run: () => searchTags(db, { prefix: "tag5", limit: 10 }) },
  { name: "search.users `user 12`", matches: "display names User 12…", run: () => searchPeople(db, viewer, { query: `user ${10 + next() % 90}`, limit: 20 }) },
];

// Baselines in the same run: what the same questions cost without the index and the ranking
// design — a naive ILIKE newest-first scan, and ts_rank over to_tsvector computed per row. Slow
// ones run a few times only (their p99 is then the worst of those runs).
const ilike = (words: string[]) => many(db, dsql`
  SELECT p.id FROM posts p
  WHERE p.status = 'published' AND p.deleted_at IS NULL AND ${dsql.join(words.map((w) => dsql`p.content ILIKE ${`%${w}%`}`), dsql` AND `)}
  ORDER BY p.published_at DESC LIMIT 20`);
const unindexedRank = (text: string) => many(db, dsql`
  SELECT p.id FROM posts p, plainto_tsquery('simple', ${text}) q
  WHERE p.status = 'published' AND p.deleted_at IS NULL AND to_tsvector('simple', coalesce(p.content, '')) @@ q
  ORDER BY ts_rank(to_tsvector('simple', coalesce(p.content, '')), q) DESC, p.id DESC LIMIT 20`);
cases.push(
  { name: "baseline: `ILIKE` two dense words, newest first", matches: "all 1M", run: () => ilike(["post", "about"]) },
  { name: "baseline: `ILIKE` one rare word, newest first", matches: "1", run: () => ilike([postNumber()]), runs: 5 },
  { name: "baseline: ranked `to_tsvector` per row (no index), two dense words", matches: "all 1M", run: () => unindexedRank("post about"), runs: 3 },
);

// Page 2 of the dense two-word query: the cursor of page 1.
const first = await searchPosts(db, viewer, { query: "post about", limit: 20 });
if (first.nextCursor) {
  const cursor = first.nextCursor;
  cases.splice(3, 0, { name: "two words, dense, page 2", matches: "all 1M", run: () => searchPosts(db, viewer, { query: "post about", limit: 20, cursor }) });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const rows: string[] = [];
for (const c of cases) {
  const runs = c.runs ?? N;
  for (let w = 0; w < (c.runs ? 1 : WARMUP); w++) await c.run();
  const times: number[] = [];
  const started = performance.now();
  for (let r = 0; r < runs; r++) {
    const s = performance.now();
    await c.run();
    times.push(performance.now() - s);
  }
  const total = performance.now() - started;
  times.sort((a, b) => a - b);
  const line = `| ${c.name} | ${c.matches} | ${pct(times, 50).toFixed(1)} | ${pct(times, 99).toFixed(1)} | ${((runs / total) * 1000).toFixed(runs < 10 ? 2 : 0)} |`;
  console.log(line);
  rows.push(line);
}

async function explain(query: string, viewerId: string | null): Promise<string> {
  const plan = await many<{ "QUERY PLAN": string }>(db, dsql`EXPLAIN (ANALYZE, BUFFERS) ${rankedPageSql(viewerId, parseSearchQuery(query), null, 21)}`);
  return plan.map((r) => r["QUERY PLAN"]).join("\n");
}
const explainDense = await explain("post about", viewer);
const explainMixed = await explain(`about ${midTag()}`, viewer);
await database.close();

const NOTES = `
tag.trending is served from a 60 s cache in the app; its figure is the uncached query (one post_tags
probe per post of the window). search.posts ranks at most the 1,000 newest matches of a query with
words, so the dense cases cost a bounded walk of posts_published_at_idx; #tag / from: / type: alone
are a timeline walk that stops after a page.
`;
const out = `# Search benchmark (issue 18)

\`BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5450/vrss_bench bun bench/search.ts\` — ${new Date().toISOString()}

Machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB (shared). PostgreSQL on the
same machine; data: ${facts.posts.toLocaleString("en")} posts, ${facts.users.toLocaleString("en")} users (\`bun run bench:data\`).
posts_search_idx: ${facts.size}; migrations applied by this run: ${applied.applied.join(", ") || "none (already applied)"} (${(migrateMs / 1000).toFixed(1)} s).

The service functions called directly over one connection (no HTTP, no cache), ${N} requests per case after
${WARMUP} warm-up requests, one after another. Signed in as bench_v2000 (follows 2,000 accounts) unless
said otherwise; every answer is a full page (20 hydrated posts, or all there are). Baseline rows (ids only, no
visibility policy, same run): the slow ones (req/s with decimals) run 5 or 3 times after one warm-up.

| case | matching posts | p50 ms | p99 ms | req/s |
| --- | --- | ---: | ---: | ---: |
${rows.join("\n")}
${NOTES}
## EXPLAIN (ANALYZE, BUFFERS): two words, dense (\`post about\`, every post matches)

\`\`\`
${explainDense}
\`\`\`

## EXPLAIN (ANALYZE, BUFFERS): two words, mixed (\`about tag<k>\`)

\`\`\`
${explainMixed}
\`\`\`
`;
writeFileSync(new URL("./search-results.md", import.meta.url), out);
console.log("wrote bench/search-results.md");
