// `bun run bench:data -- --users 100000 --posts 1000000`
// Builds a realistic, skewed data set in BENCH_DATABASE_URL, generated inside PostgreSQL
// (INSERT … SELECT over generate_series, seeded with setseed) so it loads in minutes on 2 cores:
//  - follow counts log-normal around a median of ~100, tail capped at 5,000; followees drawn with a
//    popularity skew; account #1 has 50,000 followers;
//  - post authorship and likes Zipf-like (power draws), posts spread over a year, tags Zipf over 1,000;
//  - named viewers for the benchmark: bench_v100 / bench_v2000 / bench_v5000 follow exactly that many
//    accounts, bench_quiet follows 3 accounts that post rarely.
// Triggers are off during the bulk load (session_replication_role = replica); every counter is then
// set from its source rows and verified.
import postgres from "postgres";
import { loadMigrations, migrate } from "../src/db/migrate";
import { progress } from "./progress";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const USERS = arg("users", 100_000);
const POSTS = arg("posts", 1_000_000);
const url = process.env.BENCH_DATABASE_URL;
if (!url) {
  console.error("BENCH_DATABASE_URL is required (a database this script may wipe)");
  process.exit(2);
}
if (USERS < 6_000) {
  console.error("--users must be at least 6000 (bench viewers follow up to 5,000 accounts)");
  process.exit(2);
}

const sql = postgres(url, { max: 1, onnotice: () => {}, idle_timeout: 0 });
const started = performance.now();

async function step(label: string, chunks: number, run: (i: number) => Promise<unknown>) {
  const bar = progress(label, chunks);
  for (let i = 0; i < chunks; i++) {
    await run(i);
    bar.tick();
  }
  return bar.end();
}

console.log(`bench data: ${USERS} users, ${POSTS} posts → ${new URL(url).pathname.slice(1)}`);
await step("reset schema", 1, async () => {
  await sql.unsafe("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  await migrate(sql, loadMigrations());
});

await sql`SET session_replication_role = replica`;
await sql`SET synchronous_commit = off`;
await sql`SELECT setseed(0.42)`;

const HASH = "$argon2id$v=19$m=19456,t=2,p=1$axJKCyyrWex/arcKfp5SXQ$Pkrt56ozSpMmd+pCOQuo97kzbM5M/wYWGZzU4ShQyRU";
const userChunks = 10;
await step("users + profiles + storage", userChunks, async (c) => {
  const from = Math.floor((USERS * c) / userChunks) + 1;
  const to = Math.floor((USERS * (c + 1)) / userChunks);
  await sql`
    INSERT INTO users (id, username, email, password_hash, status, created_at, email_verified)
    SELECT i, 'user' || i, 'user' || i || '@bench.vrss.local', ${HASH},
           CASE WHEN random() < 0.005 THEN 'suspended' ELSE 'active' END,
           NOW() - (random() * 730) * INTERVAL '1 day', TRUE
    FROM generate_series(${from}::int, ${to}::int) i`;
  await sql`
    INSERT INTO user_profiles (user_id, display_name, visibility)
    SELECT i, 'User ' || i, CASE WHEN r < 0.90 THEN 'public' WHEN r < 0.98 THEN 'followers' ELSE 'private' END
    FROM (SELECT i, random() AS r FROM generate_series(${from}::int, ${to}::int) i) s`;
  await sql`INSERT INTO storage_usage (user_id) SELECT i FROM generate_series(${from}::int, ${to}::int) i`;
});
// Named accounts: the celebrity (#1) is active and public; the bench viewers are the last ids.
const V = { v100: USERS + 1, v2000: USERS + 2, v5000: USERS + 3, quiet: USERS + 4 };
await sql`UPDATE users SET status = 'active', username = 'celebrity' WHERE id = 1`;
await sql`UPDATE user_profiles SET visibility = 'public' WHERE user_id = 1`;
await sql`
  INSERT INTO users (id, username, email, password_hash, email_verified)
  VALUES (${V.v100}, 'bench_v100', 'bench_v100@bench.vrss.local', ${HASH}, TRUE),
         (${V.v2000}, 'bench_v2000', 'bench_v2000@bench.vrss.local', ${HASH}, TRUE),
         (${V.v5000}, 'bench_v5000', 'bench_v5000@bench.vrss.local', ${HASH}, TRUE),
         (${V.quiet}, 'bench_quiet', 'bench_quiet@bench.vrss.local', ${HASH}, TRUE)`;
await sql`INSERT INTO user_profiles (user_id, display_name) SELECT id, username FROM users WHERE id > ${USERS}`;
await sql`INSERT INTO storage_usage (user_id) SELECT id FROM users WHERE id > ${USERS}`;
await sql`SELECT setval('users_id_seq', (SELECT max(id) FROM users))`;

// Follow counts: exp(N(ln 100, 0.9)) → median ~100, capped at 5,000. Followees skewed to low ids.
const followChunks = 20;
await step("follows (log-normal, skewed)", followChunks, async (c) => {
  const from = Math.floor((USERS * c) / followChunks) + 1;
  const to = Math.floor((USERS * (c + 1)) / followChunks);
  await sql`
    INSERT INTO user_follows (follower_id, following_id, created_at)
    SELECT DISTINCT ON (f.i, t.target) f.i, t.target, NOW() - (random() * 365) * INTERVAL '1 day'
    FROM (
      SELECT i, LEAST(5000, GREATEST(1, floor(exp(ln(100) + 0.9 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))))::int AS n
      FROM generate_series(${from}::int, ${to}::int) i) f
    CROSS JOIN LATERAL (
      SELECT 1 + floor(${USERS} * power(random(), 2.2))::int AS target FROM generate_series(1, f.n) WHERE f.i > 0) t
    WHERE t.target <> f.i
    ON CONFLICT DO NOTHING`;
});
await step("celebrity: 50,000 followers", 1, () => sql`
  INSERT INTO user_follows (follower_id, following_id, created_at)
  SELECT i, 1, NOW() - (random() * 365) * INTERVAL '1 day' FROM generate_series(2, LEAST(50001, ${USERS})::int) i
  ON CONFLICT DO NOTHING`);
// Bench viewers: exactly 100 / 2,000 / 5,000 followed accounts, spread over the id range; the quiet
// viewer follows 3 accounts whose posts are rare (ids chosen below and given few posts).
await step("bench viewers", 1, async () => {
  for (const [viewer, n] of [[V.v100, 100], [V.v2000, 2000], [V.v5000, 5000]] as const) {
    await sql`
      INSERT INTO user_follows (follower_id, following_id, created_at)
      SELECT ${viewer}, 1 + ((g * ${Math.floor(USERS / n)}) % ${USERS}), NOW() - INTERVAL '1 day'
      FROM generate_series(0, ${n - 1}) g ON CONFLICT DO NOTHING`;
  }
  await sql`
    INSERT INTO user_follows (follower_id, following_id) VALUES
      (${V.quiet}, ${USERS - 1}), (${V.quiet}, ${USERS - 2}), (${V.quiet}, ${USERS - 3})`;
  await sql`UPDATE users SET status = 'active' WHERE id IN (${USERS - 1}, ${USERS - 2}, ${USERS - 3})`;
  await sql`UPDATE user_profiles SET visibility = 'public' WHERE user_id IN (${USERS - 1}, ${USERS - 2}, ${USERS - 3})`;
});
// Real graphs reciprocate: a fifth of follows to ordinary accounts are followed back, which gives
// friendships (and the friends-of-friends case) a realistic density.
await step("follow-backs (20%)", 1, () => sql`
  INSERT INTO user_follows (follower_id, following_id, created_at)
  SELECT following_id, follower_id, created_at + INTERVAL '1 hour' FROM user_follows
  WHERE following_id > 1000 AND follower_id <= ${USERS} AND random() < 0.2
  ON CONFLICT DO NOTHING`);
await step("friendships (mutual follows)", 1, () => sql`
  INSERT INTO friendships (user_id_1, user_id_2, created_at)
  SELECT a.follower_id, a.following_id, GREATEST(a.created_at, b.created_at)
  FROM user_follows a JOIN user_follows b ON b.follower_id = a.following_id AND b.following_id = a.follower_id
  WHERE a.follower_id < a.following_id`);

// Posts: authors Zipf-like (power draw), types per the seed mix, a year of history.
const postChunks = 20;
const TYPES = ["text_short", "text_long", "image", "image_gallery", "gif", "video_short", "video_long", "song", "album"];
await step("posts (Zipf authors)", postChunks, async (c) => {
  const from = Math.floor((POSTS * c) / postChunks) + 1;
  const to = Math.floor((POSTS * (c + 1)) / postChunks);
  await sql`
    INSERT INTO posts (id, user_id, type, status, content, content_html, published_at, created_at, updated_at)
    SELECT i, s.author, (${`{${TYPES.join(",")}}`}::post_type[])[s.t], 'published',
           'Post ' || i || ' about #tag' || s.tag, 'Post ' || i || ' about <a href="/tags/tag' || s.tag || '">#tag' || s.tag || '</a>',
           s.at, s.at, s.at
    FROM (
      SELECT i,
             1 + floor((${USERS} - 4) * power(random(), 2.5))::int AS author,
             CASE WHEN r < 0.30 THEN 1 WHEN r < 0.45 THEN 2 WHEN r < 0.65 THEN 3 WHEN r < 0.72 THEN 4 WHEN r < 0.76 THEN 5
                  WHEN r < 0.88 THEN 6 WHEN r < 0.92 THEN 7 WHEN r < 0.97 THEN 8 ELSE 9 END AS t,
             1 + floor(1000 * power(random(), 3))::int AS tag,
             NOW() - power(random(), 1.5) * 365 * INTERVAL '1 day' AS at
      FROM (SELECT i, random() AS r FROM generate_series(${from}::int, ${to}::int) i) g) s`;
});
await sql`UPDATE posts SET user_id = user_id + 3 WHERE user_id IN (${USERS - 1}, ${USERS - 2}, ${USERS - 3}) AND id % 50 <> 0`;
await sql`SELECT setval('posts_id_seq', (SELECT max(id) FROM posts))`;
await step("post tags", 1, () => sql`INSERT INTO post_tags (post_id, tag, created_at)
  SELECT id, 'tag' || substring(content from '#tag([0-9]+)'), created_at FROM posts ON CONFLICT DO NOTHING`);

// Likes: Zipf over posts (recent and early ids favoured), users uniform.
const likeTarget = POSTS * 3;
const likeChunks = 30;
await step("likes (Zipf posts)", likeChunks, async () => {
  await sql`
    INSERT INTO post_interactions (user_id, post_id, type, created_at)
    SELECT 1 + floor(random() * ${USERS})::int, 1 + floor(${POSTS} * power(random(), 3))::int, 'like', NOW() - (random() * 300) * INTERVAL '1 day'
    FROM generate_series(1, ${Math.floor(likeTarget / likeChunks)})
    ON CONFLICT DO NOTHING`;
});
await step("comments + reposts", 2, async (c) => {
  if (c === 0) {
    await sql`
      INSERT INTO comments (post_id, user_id, content, content_html, created_at, updated_at)
      SELECT p, u, 'A comment', 'A comment', at, at FROM (
        SELECT 1 + floor(${POSTS} * power(random(), 3))::int AS p, 1 + floor(random() * ${USERS})::int AS u,
               NOW() - (random() * 300) * INTERVAL '1 day' AS at
        FROM generate_series(1, ${Math.floor(POSTS / 2)})) s`;
  } else {
    await sql`
      INSERT INTO reposts (user_id, post_id, created_at)
      SELECT 1 + floor(random() * ${USERS})::int, 1 + floor(${POSTS} * power(random(), 3))::int, NOW() - (random() * 300) * INTERVAL '1 day'
      FROM generate_series(1, ${Math.floor(POSTS / 5)}) ON CONFLICT DO NOTHING`;
  }
});
// What issue 19 added, at rates a busy instance might see: 3% of posts behind a content warning,
// 1% of text posts quoting an older post, 5% of text posts with a two-option poll (half still open)
// and ~20 votes each, and the newest post of each of the first 2,000 accounts pinned.
await step("content warnings, quotes, polls, pins", 4, async (c) => {
  if (c === 0) await sql`UPDATE posts SET spoiler_text = 'CW: tag' || (id % 1000) WHERE id % 33 = 0`;
  if (c === 1) await sql`UPDATE posts SET quote_of_post_id = id - 1 - (id % 997) WHERE type IN ('text_short', 'text_long') AND id % 100 = 7 AND id > 1000`;
  if (c === 2) {
    await sql`
      INSERT INTO polls (post_id, options, multiple, duration_seconds, expires_at, option_votes, ended_notified_at)
      SELECT id, ARRAY['yes', 'no'], FALSE, 86400, ends, ARRAY[0, 0],
             -- Ended ones were announced long ago (the poll-ended job must not flood the bench's start).
             CASE WHEN ends < NOW() THEN ends + INTERVAL '1 minute' END
      FROM (SELECT id, CASE WHEN (id / 20) % 2 = 0 THEN NOW() + INTERVAL '1 day' ELSE published_at + INTERVAL '1 day' END AS ends
            FROM posts WHERE type IN ('text_short', 'text_long') AND id % 20 = 3) p`;
    await sql`
      INSERT INTO poll_votes (poll_id, user_id, choices)
      SELECT pl.id, 1 + floor(random() * ${USERS})::int, ARRAY[floor(random() * 2)::smallint]
      FROM polls pl, generate_series(1, 20) ON CONFLICT DO NOTHING`;
  }
  if (c === 3) await sql`
    UPDATE posts SET pinned_at = published_at
    WHERE id IN (SELECT DISTINCT ON (user_id) id FROM posts WHERE user_id <= 2000 ORDER BY user_id, published_at DESC)`;
});
await step("notifications", 1, () => sql`
  INSERT INTO notifications (user_id, type, actor_id, title, action_url, is_read, created_at)
  SELECT CASE WHEN g <= 3000 THEN ${V.v2000} ELSE 1 + floor(${USERS} * power(random(), 2))::int END,
         'follow', 1 + floor(random() * ${USERS})::int, 'Someone followed you', '/', random() < 0.8,
         NOW() - (random() * 60) * INTERVAL '1 day'
  FROM generate_series(1, ${POSTS}) g`);

await sql`SET session_replication_role = origin`;
await step("counters from source rows", 4, async (c) => {
  if (c === 0) await sql`UPDATE posts p SET likes_count = s.n FROM (SELECT post_id, count(*)::int n FROM post_interactions WHERE type = 'like' GROUP BY post_id) s WHERE p.id = s.post_id`;
  if (c === 1) await sql`UPDATE posts p SET comments_count = s.n FROM (SELECT post_id, count(*)::int n FROM comments GROUP BY post_id) s WHERE p.id = s.post_id`;
  if (c === 2) await sql`UPDATE posts p SET reposts_count = s.n FROM (SELECT post_id, count(*)::int n FROM reposts GROUP BY post_id) s WHERE p.id = s.post_id`;
  // Poll tallies (drizzle/0082's triggers are off while generating).
  if (c === 1) await sql`
    UPDATE polls pl SET voters_count = s.voters, votes_count = s.voters, option_votes = s.tally
    FROM (SELECT poll_id, count(*)::int AS voters,
                 ARRAY[count(*) FILTER (WHERE choices[1] = 0), count(*) FILTER (WHERE choices[1] = 1)]::int[] AS tally
          FROM poll_votes GROUP BY poll_id) s
    WHERE pl.id = s.poll_id`;
  // Profile counters (account_stats, drizzle/0060): the migration's own rebuild.
  if (c === 2) await sql`SELECT account_stats_rebuild()`;
  if (c === 3) for (const t of ["users", "posts", "comments", "reposts", "notifications", "user_follows", "friendships", "post_interactions"]) {
    await sql.unsafe(`SELECT setval(pg_get_serial_sequence('${t}', 'id'), (SELECT COALESCE(max(id), 1) FROM ${t}))`);
  }
});
await step("vacuum analyze", 1, () => sql.unsafe("VACUUM ANALYZE"));

const [check] = await sql<{ bad_likes: number; bad_comments: number; bad_reposts: number }[]>`
  SELECT
    (SELECT count(*)::int FROM posts p WHERE likes_count <> (SELECT count(*) FROM post_interactions i WHERE i.post_id = p.id AND i.type = 'like')) AS bad_likes,
    (SELECT count(*)::int FROM posts p WHERE comments_count <> (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL)) AS bad_comments,
    (SELECT count(*)::int FROM posts p WHERE reposts_count <> (SELECT count(*) FROM reposts r WHERE r.post_id = p.id)) AS bad_reposts`;
const counts = await sql<{ t: string; n: string }[]>`
  SELECT 'users' t, count(*)::text n FROM users UNION ALL SELECT 'posts', count(*)::text FROM posts
  UNION ALL SELECT 'follows', count(*)::text FROM user_follows UNION ALL SELECT 'friendships', count(*)::text FROM friendships
  UNION ALL SELECT 'likes', count(*)::text FROM post_interactions UNION ALL SELECT 'comments', count(*)::text FROM comments
  UNION ALL SELECT 'reposts', count(*)::text FROM reposts UNION ALL SELECT 'notifications', count(*)::text FROM notifications`;
const [dist] = await sql<{ median: number; p99: number; max: number; celebrity: number }[]>`
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY n)::int AS median, percentile_cont(0.99) WITHIN GROUP (ORDER BY n)::int AS p99,
         max(n)::int AS max, (SELECT count(*)::int FROM user_follows WHERE following_id = 1) AS celebrity
  FROM (SELECT count(*) n FROM user_follows GROUP BY follower_id) s`;
console.log(Object.fromEntries(counts.map((r) => [r.t, Number(r.n)])));
console.log(`follows per user: median ${dist!.median}, p99 ${dist!.p99}, max ${dist!.max}; celebrity followers ${dist!.celebrity}`);
console.log(`counter check (rows that disagree with their source): likes ${check!.bad_likes}, comments ${check!.bad_comments}, reposts ${check!.bad_reposts}`);
console.log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
await sql.end();
if (check!.bad_likes + check!.bad_comments + check!.bad_reposts > 0) process.exit(1);
