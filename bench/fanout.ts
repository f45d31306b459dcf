// `bun bench/fanout.ts [--posts 50] [--redis-port 6392]` — freshness of materialized timelines:
// how long after a post's commit it is in every follower's home timeline, for authors with about
// 100, 1,000 and 10,000 followers (the fan-out threshold) in the bench data set, every follower
// active (an inbox exists: what fan-out writes to). The fan-out runs inline after the commit in
// the post.create request, so this is also what it adds to that request. Per author: p50 / p99 /
// max of commit → last inbox written, and a check that sampled followers' inboxes hold the post.
// Needs BENCH_DATABASE_URL (migrated by the VRSS server or `bun run db:migrate`) and starts its
// own Redis (port 6392), stopped at the end. Writes posts into the bench data set (kept: each is a
// real post of that author, like any other).
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { connectPostgres } from "../src/db/client";
import { many } from "../src/db/query";
import { MemoryCache } from "../src/lib/cache";
import { connectRedis } from "../src/lib/redis";
import { emit } from "../src/modules/events/events";
import { createPost } from "../src/modules/post/post.service";
import { attachTimelines, entryMember, inboxOwner, timelineTuning } from "../src/modules/feed/timeline-store";
import { RedisTimelineStore } from "../src/modules/feed/timeline-store.redis";

const { values: opt } = parseArgs({ options: { posts: { type: "string", default: "50" }, "redis-port": { type: "string", default: "6392" } } });
const POSTS = Number(opt.posts);
const REDIS_PORT = Number(opt["redis-port"]);
const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("BENCH_DATABASE_URL is required");
  process.exit(2);
}

spawnSync("redis-server", ["--port", String(REDIS_PORT), "--save", "", "--appendonly", "no", "--daemonize", "yes"]);
await Bun.sleep(300);
// The author lookup counts followers over 17.5M follows: beyond the server's 5 s statement bound.
const database = connectPostgres(url, { max: 4, statementTimeoutMs: 300_000, acquireTimeoutMs: 30_000 });
const db = database.db;
const redis = connectRedis(`redis://127.0.0.1:${REDIS_PORT}`, "fanoutbench:", { commandTimeoutMs: 5_000 });
const store = new RedisTimelineStore(redis);
const cache = new MemoryCache();
attachTimelines(cache, store);

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const lines: string[] = [];
try {
  for (const target of [100, 1_000, timelineTuning.fanoutMaxFollowers]) {
    // The active account whose follower count is closest to the target without exceeding it.
    const [author] = await many<{ id: string; followers: number }>(db, sql`
      SELECT id, followers FROM (
        SELECT u.id::text AS id, (SELECT count(*)::int FROM user_follows f WHERE f.following_id = u.id) AS followers
        FROM users u WHERE u.status = 'active' AND u.id % 20 = 0) s
      WHERE followers <= ${target} ORDER BY followers DESC, id LIMIT 1`);
    if (!author) continue;
    const followers = (await many<{ id: string }>(db, sql`SELECT follower_id::text AS id FROM user_follows WHERE following_id = ${author.id}`)).map((r) => r.id);
    // Every follower active: an (empty) inbox exists for each, as after a read.
    for (const owner of [author.id, ...followers].map(inboxOwner)) {
      await store.beginBuild(owner);
      await store.finishBuild(owner, [], 0, []);
    }
    const ms: number[] = [];
    let missing = 0;
    for (let i = 0; i < POSTS; i++) {
      const post = await createPost(db, author.id, { type: "text_short", content: `fan-out bench ${i}`, status: "published" });
      const started = performance.now();
      await emit({ db, cache }, { type: "post.published", authorId: author.id, postId: post.id });
      ms.push(performance.now() - started);
      const member = entryMember(0, post.id, post.id, author.id);
      const sample = [author.id, ...followers.filter((_, k) => k % Math.max(1, Math.floor(followers.length / 20)) === 0)];
      const reads = await store.read(sample.map(inboxOwner), null, 5);
      missing += reads!.filter((r) => !r.entries.some((e) => e.member === member)).length;
    }
    lines.push(`| ${author.followers.toLocaleString("en")} followers | ${POSTS} | ${quantile(ms, 0.5).toFixed(1)} | ${quantile(ms, 0.99).toFixed(1)} | ${Math.max(...ms).toFixed(1)} | ${missing} |`);
    console.error(lines.at(-1));
  }
} finally {
  await redis.close();
  await database.sql.end({ timeout: 1 });
  spawnSync("redis-cli", ["-p", String(REDIS_PORT), "shutdown", "nosave"]);
}
console.log(`Fan-out freshness (\`bun bench/fanout.ts --posts ${POSTS}\`), ${new Date().toISOString().slice(0, 16)}Z: commit → the post in every follower's inbox (all followers active), Redis on the same machine.`);
console.log("");
console.log("| author | posts | p50 ms | p99 ms | max ms | sampled inboxes missing the post |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const l of lines) console.log(l);
