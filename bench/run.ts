// `bun run bench`: starts the server (a separate process, cache off, so every request runs its
// query) against BENCH_DATABASE_URL, drives it through HTTP on /api/rpc, and writes bench/results.md
// with the machine, the data size, p50/p99/throughput per case, the spec's own OFFSET home-feed
// query as the ratio to beat, and EXPLAIN (ANALYZE, BUFFERS) of every hot query.
import { cpus, totalmem } from "node:os";
import { writeFileSync } from "node:fs";
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "../src/db/schema";
import { hashToken, newOpaqueToken } from "../src/lib/tokens";
import { NullCache } from "../src/lib/cache";
import { authorTimeline, homeAuthorsSql } from "../src/modules/feed/feed.timeline";
import { runAlgorithm } from "../src/modules/feed/feed.service";
import { discoverFeed } from "../src/modules/feed/feed.home";
import { suggestions } from "../src/modules/social/suggestions";
import { unreadCount } from "../src/modules/notification/notification.service";
import { extraCases, extraExplains } from "./cases";
import { SPEC_HOME_SQL } from "./spec-server";

const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("BENCH_DATABASE_URL is required (run `bun run bench:data` first)");
  process.exit(2);
}
const N = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const PORT = Number(process.env.BENCH_PORT ?? 3999);
const base = `http://127.0.0.1:${PORT}`;

const sql = postgres(url, { max: 4, onnotice: () => {} });

// ---------------------------------------------------------------- server
const server = Bun.spawn(["bun", "src/index.ts"], {
  env: { ...process.env, DATABASE_URL: url, PORT: String(PORT), HOST: "127.0.0.1", RUN_JOBS: "false", CACHE: "off", LOG_LEVEL: "warn", NODE_ENV: "production", REDIS_URL: "", CURSOR_SECRET: "bench-cursor-secret-0123456789abcdef0123", TOTP_ENCRYPTION_KEY: "62656e63682d746f74702d6b65792d3031323334353637383961626364656630" },
  stdout: "inherit",
  stderr: "inherit",
});
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${base}/ready`)).ok) break;
  } catch {}
  if (i > 100) throw new Error("server did not become ready");
  await Bun.sleep(200);
}

// ---------------------------------------------------------------- fixtures
async function tokenFor(username: string): Promise<{ id: string; token: string }> {
  const [user] = await sql<{ id: string }[]>`SELECT id FROM users WHERE username = ${username}`;
  if (!user) throw new Error(`bench user ${username} missing: run bun run bench:data`);
  const token = newOpaqueToken();
  await sql`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${user.id}, ${hashToken(token)}, NOW() + INTERVAL '1 day')`;
  return { id: user.id, token };
}
const viewers = {
  v100: await tokenFor("bench_v100"),
  v2000: await tokenFor("bench_v2000"),
  v5000: await tokenFor("bench_v5000"),
  quiet: await tokenFor("bench_quiet"),
};
// The suggestions viewer: an account with about 100 friends (the spec's "100 friends each").
const [friendly] = await sql<{ username: string }[]>`
  SELECT u.username FROM users u JOIN (
    SELECT id, count(*) n FROM (SELECT user_id_1 id FROM friendships UNION ALL SELECT user_id_2 FROM friendships) f GROUP BY id) c
    ON c.id = u.id
  WHERE u.status = 'active' ORDER BY abs(c.n - 100), u.id LIMIT 1`;
const suggester = await tokenFor(friendly!.username);

async function rpc(path: string, input: unknown, token?: string, method: "GET" | "POST" = "GET"): Promise<any> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const res =
    method === "GET"
      ? await fetch(`${base}/api/rpc/${path}?input=${encodeURIComponent(JSON.stringify(input ?? {}))}`, { headers })
      : await fetch(`${base}/api/rpc/${path}`, { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(input) });
  const body = (await res.json()) as any;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error?.message)}`);
  return body.result.data;
}

/** The cursor of page `page` (1-based) of a paged procedure. */
async function cursorOfPage(path: string, input: Record<string, unknown>, token: string, page: number): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let p = 1; p < page; p++) {
    const data = await rpc(path, { ...input, cursor }, token);
    cursor = data.nextCursor ?? undefined;
    if (!cursor) throw new Error(`${path} has fewer than ${page} pages`);
  }
  return cursor;
}

const feedFor = async (token: string, name: string, algorithmConfig: unknown) =>
  (await rpc("feed.create", { name, algorithmConfig }, token, "POST")).id as string;
const threeFilterFeed = await feedFor(viewers.v2000.token, `bench 3-filter ${Date.now()}`, {
  filters: [
    { type: "post_type", operator: "contains", value: ["text_short", "image", "video_short"] },
    { type: "tag", operator: "contains", value: ["tag1", "tag2", "tag3", "tag5", "tag8"] },
    { type: "engagement", operator: "greater_than", value: { metric: "likes", value: 2 } },
  ],
  logic: "AND",
  sort: "recent",
});
const friendsFeed = await feedFor(suggester.token, `bench friends only ${Date.now()}`, {
  filters: [{ type: "author", operator: "equals", value: "friends" }],
  logic: "AND",
  sort: "recent",
});

// ---------------------------------------------------------------- measurement
interface Result {
  name: string;
  n: number;
  p50: number;
  p99: number;
  rps: number;
  target?: string;
}
const results: Result[] = [];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function measure(name: string, run: () => Promise<unknown>, opts: { n?: number; maxSeconds?: number; target?: string } = {}): Promise<Result> {
  const n = opts.n ?? N;
  for (let i = 0; i < Math.min(WARMUP, n); i++) await run();
  const times: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
    if (opts.maxSeconds && performance.now() - started > opts.maxSeconds * 1000 && times.length >= 100) break;
  }
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const r = { name, n: times.length, p50: percentile(times, 0.5), p99: percentile(times, 0.99), rps: times.length / elapsed, target: opts.target };
  results.push(r);
  console.log(`${name.padEnd(52)} n=${String(r.n).padStart(5)}  p50 ${r.p50.toFixed(2).padStart(8)} ms  p99 ${r.p99.toFixed(2).padStart(8)} ms  ${r.rps.toFixed(0).padStart(6)} req/s`);
  return r;
}

// The spec's own home-feed query ("Data Access Patterns"), parameters bound (one text for both benches).
const SPEC_HOME = (viewerId: string, page: number) => sql.unsafe(SPEC_HOME_SQL, [viewerId, (page - 1) * 20]);

const ratios: { viewer: string; page: number; ours: number; direct: number; spec: number }[] = [];
const directDb = drizzle(sql, { schema });
for (const [label, v, target] of [["100", viewers.v100, "p99 ≤ 15 ms"], ["2,000", viewers.v2000, ""], ["5,000", viewers.v5000, "p99 ≤ 40 ms"]] as const) {
  const c25 = await cursorOfPage("feed.home", { limit: 20 }, v.token, 25);
  const p1 = await measure(`feed.home page 1, follows ${label}`, () => rpc("feed.home", { limit: 20 }, v.token), { target });
  const p25 = await measure(`feed.home page 25, follows ${label}`, () => rpc("feed.home", { limit: 20, cursor: c25 }, v.token), { target: "p99 ≤ 1.5 × page 1" });
  // The same engine called in-process (timeline + hydration, no HTTP/auth/JSON): like for like with the spec's SQL.
  const d1 = await measure(`feed.home engine page 1, follows ${label} (direct)`, () => authorTimeline(directDb, v.id, homeAuthorsSql(v.id), { limit: 20 }), { maxSeconds: 60 });
  const d25 = await measure(`feed.home engine page 25, follows ${label} (direct)`, () => authorTimeline(directDb, v.id, homeAuthorsSql(v.id), { limit: 20, cursor: c25 }), { maxSeconds: 60 });
  const s1 = await measure(`spec OFFSET query page 1, follows ${label} (direct SQL)`, () => SPEC_HOME(v.id, 1), { maxSeconds: 60 });
  const s25 = await measure(`spec OFFSET query page 25, follows ${label} (direct SQL)`, () => SPEC_HOME(v.id, 25), { maxSeconds: 60 });
  ratios.push({ viewer: label, page: 1, ours: p1.p99, direct: d1.p99, spec: s1.p99 }, { viewer: label, page: 25, ours: p25.p99, direct: d25.p99, spec: s25.p99 });
}
await measure("feed.home page 1, follows 3 quiet accounts", () => rpc("feed.home", { limit: 20 }, viewers.quiet.token));
await measure("feed.execute 3 filters (type + tag + engagement)", () => rpc("feed.execute", { feedId: threeFilterFeed, limit: 20 }, viewers.v2000.token), { target: "p99 ≤ 50 ms" });
await measure("feed.execute \"Friends Only\"", () => rpc("feed.execute", { feedId: friendsFeed, limit: 20 }, suggester.token), { target: "p99 ≤ 50 ms" });
await measure("feed.discover (7 days)", () => rpc("feed.discover", { limit: 20 }, viewers.v100.token));
await measure(`social.suggestions (viewer with ~100 friends)`, () => rpc("social.suggestions", { limit: 20 }, suggester.token), { target: "p99 ≤ 50 ms" });
await measure("notification.unreadCount", () => rpc("notification.unreadCount", undefined, viewers.v2000.token), { target: "p99 ≤ 2 ms" });
await measure("notification.unreadCount (direct)", () => unreadCount(directDb, viewers.v2000.id));
for (const c of extraCases) await measure(c.name, () => c.run({ rpc, viewers, sql, db: directDb }), { target: c.target });

// ---------------------------------------------------------------- EXPLAIN of the hot queries
const captured: { query: string; params: unknown[] }[] = [];
const traced = drizzle(sql, { schema, logger: { logQuery: (query, params) => captured.push({ query, params }) } });
async function explain(label: string, run: () => Promise<unknown>, pick: (q: { query: string }) => boolean = () => true) {
  captured.length = 0;
  await run();
  const q = [...captured].reverse().find(pick) ?? captured[captured.length - 1];
  if (!q) return `### ${label}\n(no query captured)\n`;
  const plan = await sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS) ${q.query}`, q.params as never[]);
  return `### ${label}\n\n\`\`\`\n${plan.map((r: any) => r["QUERY PLAN"]).join("\n")}\n\`\`\`\n`;
}
const nullCache = new NullCache();
const plans: string[] = [];
for (const [label, v] of [["100", viewers.v100], ["2,000", viewers.v2000], ["5,000", viewers.v5000]] as const) {
  const c25 = await cursorOfPage("feed.home", { limit: 20 }, v.token, 25);
  const home = (cursor?: string) => () => authorTimeline(traced, v.id, homeAuthorsSql(v.id), { limit: 20, cursor });
  plans.push(await explain(`feed.home page 1, follows ${label}`, home(), (q) => q.query.includes("LATERAL")));
  plans.push(await explain(`feed.home page 25, follows ${label}`, home(c25), (q) => q.query.includes("LATERAL")));
  const text = await sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS) ${SPEC_HOME_SQL}`, [v.id, 480]);
  plans.push(`### spec OFFSET query page 25, follows ${label}\n\n\`\`\`\n${text.map((r: any) => r["QUERY PLAN"]).join("\n")}\n\`\`\`\n`);
}
const [feedRow] = await sql<{ algorithm_config: unknown; user_id: string }[]>`SELECT algorithm_config, user_id FROM custom_feeds WHERE id = ${threeFilterFeed}`;
plans.push(await explain("feed.execute 3 filters", () => runAlgorithm(traced, viewers.v2000.id, feedRow!.user_id, feedRow!.algorithm_config, { limit: 20 }), (q) => q.query.includes("ORDER BY")));
const [friendsRow] = await sql<{ algorithm_config: unknown; user_id: string }[]>`SELECT algorithm_config, user_id FROM custom_feeds WHERE id = ${friendsFeed}`;
plans.push(await explain("feed.execute Friends Only", () => runAlgorithm(traced, suggester.id, friendsRow!.user_id, friendsRow!.algorithm_config, { limit: 20 }), (q) => q.query.includes("ORDER BY")));
plans.push(await explain("feed.discover", () => discoverFeed(traced, nullCache, viewers.v100.id, { limit: 20, window: "7d" }), (q) => q.query.includes("ORDER BY score")));
plans.push(await explain("social.suggestions", () => suggestions(traced, suggester.id, { limit: 20 })));
plans.push(await explain("notification.unreadCount", () => unreadCount(traced, viewers.v2000.id)));
for (const e of extraExplains) plans.push(await explain(e.name, () => e.run({ db: traced, viewers, sql })));

// ---------------------------------------------------------------- report
const counts = await sql<{ t: string; n: string }[]>`
  SELECT 'users' t, count(*)::text n FROM users UNION ALL SELECT 'posts', count(*)::text FROM posts
  UNION ALL SELECT 'follows', count(*)::text FROM user_follows UNION ALL SELECT 'friendships', count(*)::text FROM friendships
  UNION ALL SELECT 'likes', count(*)::text FROM post_interactions UNION ALL SELECT 'comments', count(*)::text FROM comments
  UNION ALL SELECT 'reposts', count(*)::text FROM reposts UNION ALL SELECT 'notifications', count(*)::text FROM notifications`;
const [pg] = await sql<{ v: string }[]>`SELECT version() AS v`;
const fmt = (x: number) => x.toFixed(2);
const table = results.map((r) => `| ${r.name} | ${r.n} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.rps.toFixed(0)} | ${r.target ?? ""} |`).join("\n");
const ratioTable = ratios
  .map((r) => `| ${r.viewer} | ${r.page} | ${fmt(r.ours)} | ${fmt(r.direct)} | ${fmt(r.spec)} | ${(r.spec / r.direct).toFixed(1)}× | ${(r.spec / r.ours).toFixed(1)}× |`)
  .join("\n");
const md = `# Benchmark results

Generated by \`bun run bench\` on ${new Date().toISOString()}.

This is one client at a time with the cache off. Under concurrency, as deployed (cache on, levels 1–128, the spec's query served over HTTP as the baseline, before/after tables for issue 17): [feeds-at-load.md](feeds-at-load.md), produced by \`bun run bench:load\`.

- Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; ${pg!.v.split(",")[0]}
- Server: \`bun src/index.ts\` in its own process, \`NODE_ENV=production\`, \`CACHE=off\` (every request runs its query), one client issuing requests one at a time over HTTP (\`/api/rpc\`, Bearer token); ${WARMUP} warm-up requests, then up to ${N} measured per case. Spec-query rows run the SQL directly (no HTTP) and stop after 60 s if slower.
- Data (\`bun run bench:data -- --users 100000 --posts 1000000\`): ${counts.map((c) => `${c.t} ${Number(c.n).toLocaleString("en")}`).join(", ")}.

| case | n | p50 ms | p99 ms | req/s | target |
| --- | ---: | ---: | ---: | ---: | --- |
${table}

## feed.home against the spec's OFFSET query (p99, ms)

The spec's query returns bare rows (no media, tags, viewer flags, visibility, reposts); our engine
row ("direct") runs the timeline *and* its hydration in-process, and the HTTP row adds session
lookup, tRPC and JSON. "spec ÷ engine" compares the two database paths.

| follows | page | feed.home (HTTP) | engine (direct) | spec query (SQL) | spec ÷ engine | spec ÷ HTTP |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${ratioTable}

## Query plans (EXPLAIN (ANALYZE, BUFFERS))

${plans.join("\n")}
`;
writeFileSync(new URL("./results.md", import.meta.url), md);
console.log("wrote bench/results.md");
server.kill();
await sql.end();
process.exit(0);
