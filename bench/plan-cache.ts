// `BENCH_DATABASE_URL=… bun bench/plan-cache.ts [--calls 1000]`
//
// What planning costs a timeline page behind a transaction pooler, on one connection: the facts
// statement of a 52-candidate page (src/modules/post/post.facts.ts) sent as an unnamed statement
// (what VRSS sends: PostgreSQL parses and plans it every time), as a named prepared statement (what
// a pooler in transaction mode cannot keep), and as the PL/pgSQL function post_facts (drizzle/0059:
// the same statement, its plan cached per server connection). Plus `SELECT 1` for the round trip.
import { parseArgs } from "node:util";
import postgres from "postgres";

const { values: opt } = parseArgs({ options: { calls: { type: "string", default: "1000" } } });
const CALLS = Number(opt.calls);
const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("BENCH_DATABASE_URL is required (bench/cluster.sh start, then bun run bench:data)");
  process.exit(2);
}
const sql = postgres(url, { prepare: false, max: 1, onnotice: () => {} });
const named = postgres(url, { prepare: true, max: 1, onnotice: () => {} });

// A reader with ~100 follows and their newest items, as an inbox page would hold them.
const viewer = (await sql<{ id: string }[]>`
  SELECT follower_id AS id FROM user_follows GROUP BY 1 HAVING count(*) BETWEEN 90 AND 110 LIMIT 1`)[0]!.id;
const posts = (await sql<{ id: string }[]>`
  SELECT p.id FROM posts p JOIN user_follows f ON f.following_id = p.user_id AND f.follower_id = ${viewer}
  WHERE p.status = 'published' ORDER BY p.published_at DESC LIMIT 52`).map((r) => r.id);
const reposts = (await sql<{ id: string }[]>`
  SELECT r.id FROM reposts r JOIN user_follows f ON f.following_id = r.user_id AND f.follower_id = ${viewer}
  ORDER BY r.created_at DESC LIMIT 8`).map((r) => r.id);
const args = [`{${posts.join(",")}}`, `{${reposts.join(",")}}`, viewer];

// The function's own statement, read from the catalog, so this measures exactly what it runs.
const src = (await sql<{ src: string }[]>`SELECT prosrc AS src FROM pg_proc WHERE proname = 'post_facts'`)[0]!.src;
const statement = src.slice(src.indexOf("RETURN QUERY") + "RETURN QUERY".length, src.lastIndexOf(";"))
  .replaceAll("p_posts", "$1::bigint[]").replaceAll("p_reposts", "$2::bigint[]").replaceAll("p_viewer", "$3::bigint");

const [explain] = await sql.unsafe(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement}`, args);
const plan = (explain as unknown as { "QUERY PLAN": [{ "Planning Time": number; "Execution Time": number }] })["QUERY PLAN"][0];
console.log(`viewer ${viewer}: ${posts.length} posts, ${reposts.length} reposts; EXPLAIN ANALYZE planning ${plan["Planning Time"].toFixed(2)} ms, execution ${plan["Execution Time"].toFixed(2)} ms`);

async function time(label: string, call: () => Promise<unknown>) {
  for (let i = 0; i < 50; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))]!.toFixed(3);
  console.log(`${label.padEnd(34)} mean ${(samples.reduce((a, b) => a + b, 0) / CALLS).toFixed(3)} ms  p50 ${q(0.5)}  p99 ${q(0.99)}`);
}
await time("unnamed statement (VRSS before)", () => sql.unsafe(statement, args));
await time("named prepared statement", () => named.unsafe(statement, args, { prepare: true }));
await time("post_facts() (VRSS now)", () => sql.unsafe("SELECT * FROM post_facts($1::bigint[], $2::bigint[], $3::bigint)", args));
await time("SELECT 1 (round trip)", () => sql`SELECT 1`);
await sql.end();
await named.end();
