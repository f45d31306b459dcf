// temporary probe (not committed)
import postgres from "postgres";
import { drizzle } from "drizzle-orm/postgres-js";
import * as schema from "../src/db/schema";
import { authorTimeline, homeAuthorsSql, timelineTuning } from "../src/modules/feed/feed.timeline";
const sql = postgres(process.env.BENCH_DATABASE_URL!, { max: 2, onnotice: () => {} });
const log: { q: string; t: number }[] = [];
const db = drizzle(sql, { schema, logger: { logQuery: (q) => log.push({ q: q.slice(0, 60).replace(/\s+/g, " "), t: performance.now() }) } });
const [v] = await sql<{ id: string }[]>`SELECT id FROM users WHERE username = ${process.argv[2] ?? "bench_v2000"}`;
if (process.argv[3]) timelineTuning.windowSize = Number(process.argv[3]);
let cursor: string | undefined;
for (let i = 1; i < 25; i++) { const p = await authorTimeline(db as any, v!.id, homeAuthorsSql(v!.id), { limit: 20, cursor }); cursor = p.nextCursor!; }
const times: number[] = [];
for (let i = 0; i < 300; i++) { const t = performance.now(); await authorTimeline(db as any, v!.id, homeAuthorsSql(v!.id), { limit: 20, cursor }); times.push(performance.now() - t); }
times.sort((a, b) => a - b);
console.log("page25 p50", times[150]!.toFixed(2), "p99", times[296]!.toFixed(2));
log.length = 0; const t0 = performance.now();
await authorTimeline(db as any, v!.id, homeAuthorsSql(v!.id), { limit: 20, cursor });
const end = performance.now();
log.forEach((l, i) => console.log(((log[i + 1]?.t ?? end) - l.t).toFixed(2), l.q));
await sql.end();
