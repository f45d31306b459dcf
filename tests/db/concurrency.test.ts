// The triggers under real concurrency: many connections writing at the same instant. Each
// statement runs on its own connection in its own transaction. A "starting gun" (an exclusive
// advisory lock every worker must share before writing) holds the workers until all of them are
// connected and waiting, then releases them together, so the writes genuinely overlap.
// Needs PostgreSQL (PGlite has a single session): skipped otherwise.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import postgres from "postgres";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";

setDefaultTimeout(30_000); // see tests/setup.ts

// Creating the database (PGlite: migrating in memory) can take seconds on a loaded machine.
const HOOK_TIMEOUT = 30_000;

const POOL = 50;
const GATE = 77_001; // advisory lock key of the starting gun

let t: TestDatabase;
let sql: postgres.Sql; // 20 direct connections: setup, checks, the gun's controller
let wide: postgres.Sql; // POOL connections for the workers

beforeAll(async () => {
  if (!canRunConcurrently) return;
  t = await createTestDatabase();
  // The gun is a session-level advisory lock and needs POOL simultaneous server connections: these
  // tests of the database's own triggers talk to the server directly, never through a pooler.
  sql = postgres(t.directUrl!, { max: 20, onnotice: () => {}, idle_timeout: 5 });
  wide = postgres(t.directUrl!, { max: POOL, onnotice: () => {}, idle_timeout: 5 });
}, HOOK_TIMEOUT);
afterAll(async () => {
  if (!canRunConcurrently) return;
  await wide.end({ timeout: 5 });
  await sql.end({ timeout: 5 });
  await t.close();
}, HOOK_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// helpers

let seq = 0;
const uid = () => `${(++seq).toString(36)}${Date.now().toString(36).slice(-4)}`;

function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** `n` fresh users in one statement (the bootstrap trigger still runs per row); ids ascending. */
async function users(n: number): Promise<string[]> {
  const tag = uid();
  const rows = await sql<{ id: string }[]>`
    INSERT INTO users (username, email, password_hash)
    SELECT 'c_' || ${tag} || '_' || i, 'c_' || ${tag} || '_' || i || '@conc.test', 'h'
    FROM generate_series(1, ${n}::int) AS i
    RETURNING id`;
  return rows.map((r) => r.id).sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
}

async function post(userId: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO posts (user_id, type, status, content, published_at)
    VALUES (${userId}, 'text_short', 'published', 'hot post', now()) RETURNING id`;
  return row!.id;
}

/**
 * Runs every job in its own transaction on the wide pool. No job writes before the gun: each
 * first waits on a shared advisory lock that the controller holds exclusively until
 * min(jobs, POOL) workers are queued behind it. Jobs beyond the pool size follow as connections
 * free up. Returns each job's outcome (value or error), in order.
 */
async function fireTogether<T>(jobs: Array<(tx: postgres.TransactionSql) => Promise<T>>): Promise<PromiseSettledResult<T>[]> {
  const controller = await sql.reserve();
  try {
    await controller`SELECT pg_advisory_lock(${GATE})`;
    const running = jobs.map((job) =>
      wide.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock_shared(${GATE})`;
        return job(tx);
      }) as Promise<T>);
    const expected = Math.min(jobs.length, POOL);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await controller<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND objid = ${GATE} AND NOT granted
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
      if (row!.n >= expected) break;
      if (Date.now() > deadline) throw new Error(`only ${row!.n} of ${expected} workers reached the gate`);
      await Bun.sleep(2);
    }
    await controller`SELECT pg_advisory_unlock(${GATE})`;
    return await Promise.allSettled(running);
  } finally {
    controller.release();
  }
}

function rejected(results: PromiseSettledResult<unknown>[]): Array<{ code?: string; message: string }> {
  return results
    .filter((r): r is PromiseRejectedResult => r.status === "rejected")
    .map((r) => ({ code: (r.reason as { code?: string }).code, message: String((r.reason as Error).message) }));
}

async function likeState(postId: string): Promise<{ likes_count: number; like_rows: number }> {
  const [row] = await sql<{ likes_count: number; like_rows: number }[]>`
    SELECT p.likes_count,
           (SELECT count(*)::int FROM post_interactions i WHERE i.post_id = p.id AND i.type = 'like') AS like_rows
    FROM posts p WHERE p.id = ${postId}`;
  return { ...row! };
}

// ---------------------------------------------------------------------------------------------

describe("concurrent writers", () => {
  test.skipIf(!canRunConcurrently)("50 users liking one post at the same instant: likes_count = 50 = rows", async () => {
    const [author] = await users(1);
    const fans = await users(50);
    const p = await post(author!);
    const results = await fireTogether(fans.map((u) => (tx) =>
      tx`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${u}, ${p}, 'like')`));
    expect(rejected(results)).toEqual([]);
    expect(await likeState(p)).toEqual({ likes_count: 50, like_rows: 50 });
  });

  test.skipIf(!canRunConcurrently)("20 users following each other pairwise, all 380 follows at once in random order: exactly the 190 friendships; one-way follows make none", async () => {
    const mutual = await users(20);
    const oneWay = await users(10);
    const jobs: Array<[string, string]> = [];
    for (const a of mutual) for (const b of mutual) if (a !== b) jobs.push([a, b]);
    for (const [i, a] of oneWay.entries()) for (const b of oneWay.slice(i + 1)) jobs.push([a, b]); // lower -> higher only
    jobs.push([oneWay[0]!, mutual[0]!], [mutual[1]!, oneWay[1]!]); // one-way across the groups
    expect(jobs.length).toBe(380 + 45 + 2);

    const results = await fireTogether(shuffle(jobs).map(([a, b]) => (tx) =>
      tx`INSERT INTO user_follows (follower_id, following_id) VALUES (${a}, ${b})`));
    expect(rejected(results)).toEqual([]);

    const everyone = [...mutual, ...oneWay];
    const rows = await sql<{ user_id_1: string; user_id_2: string }[]>`
      SELECT user_id_1, user_id_2 FROM friendships
      WHERE user_id_1 = ANY(${sql.array(everyone)}::bigint[]) OR user_id_2 = ANY(${sql.array(everyone)}::bigint[])
      ORDER BY user_id_1::bigint, user_id_2::bigint`;
    const expected: Array<[string, string]> = [];
    for (const [i, a] of mutual.entries()) for (const b of mutual.slice(i + 1)) expected.push([a, b]);
    expect(rows.map((r) => [r.user_id_1, r.user_id_2])).toEqual(expected);
    expect(rows.length).toBe(190);

    // and concurrent unfollows of one side of every pair remove them all
    const halves: Array<[string, string]> = [];
    for (const [i, a] of mutual.entries()) for (const b of mutual.slice(i + 1)) halves.push(Math.random() < 0.5 ? [a, b] : [b, a]);
    const unfollowed = await fireTogether(shuffle(halves).map(([a, b]) => (tx) =>
      tx`DELETE FROM user_follows WHERE follower_id = ${a} AND following_id = ${b}`));
    expect(rejected(unfollowed)).toEqual([]);
    const [left] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM friendships WHERE user_id_1 = ANY(${sql.array(mutual)}::bigint[])`;
    expect(left!.n).toBe(0);
  });

  test.skipIf(!canRunConcurrently)("30 concurrent post_media inserts for one user: used_bytes = sum of sizes, breakdown sums to used", async () => {
    const [u] = await users(1);
    const p = await post(u!);
    const kinds = ["image", "gif", "video", "audio", "document"] as const;
    const files = Array.from({ length: 30 }, (_, i) => ({
      type: kinds[i % kinds.length]!,
      size: 1_000 + Math.floor(Math.random() * 1_000_000),
    }));
    const results = await fireTogether(files.map((f) => (tx) =>
      tx`INSERT INTO post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type)
         VALUES (${p}, ${u!}, ${f.type}, ${`https://cdn.test/${uid()}`}, ${f.size}, 'application/octet-stream')`));
    expect(rejected(results)).toEqual([]);

    const sum = (pred: (f: (typeof files)[number]) => boolean) =>
      String(files.filter(pred).reduce((acc, f) => acc + f.size, 0));
    const [row] = await sql`
      SELECT used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes,
             (images_bytes + videos_bytes + audio_bytes + other_bytes)::text AS breakdown_total
      FROM storage_usage WHERE user_id = ${u!}`;
    const total = sum(() => true);
    expect({ ...row! }).toEqual({
      used_bytes: total,
      images_bytes: sum((f) => f.type === "image" || f.type === "gif"),
      videos_bytes: sum((f) => f.type === "video"),
      audio_bytes: sum((f) => f.type === "audio"),
      other_bytes: sum((f) => f.type === "document"),
      breakdown_total: total,
    });

    // and 30 concurrent deletes bring it back to zero
    const deleted = await fireTogether(Array.from({ length: 30 }, () => (tx) =>
      tx`DELETE FROM post_media WHERE id = (SELECT id FROM post_media WHERE user_id = ${u!} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)`));
    expect(rejected(deleted)).toEqual([]);
    const [after] = await sql`
      SELECT used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes FROM storage_usage WHERE user_id = ${u!}`;
    expect({ ...after! }).toEqual({ used_bytes: "0", images_bytes: "0", videos_bytes: "0", audio_bytes: "0", other_bytes: "0" });
  });

  test.skipIf(!canRunConcurrently)("like/unlike churn from 50 users (racing on the same rows): likes_count equals the like rows", async () => {
    const [author] = await users(1);
    const fans = await users(50);
    const p = await post(author!);
    // 8 operations per user, all fired at once in random order, so a user's like, unlike, duplicate
    // like and bookmark race each other
    const ops: Array<(tx: postgres.TransactionSql) => Promise<unknown>> = [];
    for (const u of fans) {
      for (let k = 0; k < 8; k++) {
        const r = Math.random();
        if (r < 0.4) ops.push((tx) => tx`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${u}, ${p}, 'like') ON CONFLICT DO NOTHING`);
        else if (r < 0.8) ops.push((tx) => tx`DELETE FROM post_interactions WHERE user_id = ${u} AND post_id = ${p} AND type = 'like'`);
        else if (r < 0.9) ops.push((tx) => tx`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${u}, ${p}, 'bookmark') ON CONFLICT DO NOTHING`);
        else ops.push((tx) => tx`DELETE FROM post_interactions WHERE user_id = ${u} AND post_id = ${p} AND type = 'bookmark'`);
      }
    }
    const results = await fireTogether(shuffle(ops));
    expect(rejected(results)).toEqual([]);
    const state = await likeState(p);
    expect(state.likes_count).toBe(state.like_rows);

    // then everyone likes at once, and everyone unlikes at once
    await fireTogether(fans.map((u) => (tx) =>
      tx`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${u}, ${p}, 'like') ON CONFLICT DO NOTHING`));
    expect(await likeState(p)).toEqual({ likes_count: 50, like_rows: 50 });
    await fireTogether(fans.map((u) => (tx) =>
      tx`DELETE FROM post_interactions WHERE user_id = ${u} AND post_id = ${p} AND type = 'like'`));
    expect(await likeState(p)).toEqual({ likes_count: 0, like_rows: 0 });
  });

  test.skipIf(!canRunConcurrently)("40 concurrent replies to one comment, half soft-deleted concurrently: comments_count and replies_count exact", async () => {
    const [author] = await users(1);
    const commenters = await users(40);
    const p = await post(author!);
    const [parent] = await sql<{ id: string }[]>`
      INSERT INTO comments (post_id, user_id, content) VALUES (${p}, ${author!}, 'parent') RETURNING id`;
    const inserted = await fireTogether(commenters.map((u) => (tx) =>
      tx<{ id: string }[]>`INSERT INTO comments (post_id, user_id, parent_comment_id, content)
                           VALUES (${p}, ${u}, ${parent!.id}, 'reply') RETURNING id`));
    expect(rejected(inserted)).toEqual([]);
    const ids = inserted.map((r) => (r as PromiseFulfilledResult<{ id: string }[]>).value[0]!.id);
    const counts = async () => {
      const [row] = await sql<{ comments_count: number; replies_count: number }[]>`
        SELECT p.comments_count, c.replies_count FROM posts p, comments c WHERE p.id = ${p} AND c.id = ${parent!.id}`;
      return { ...row! };
    };
    expect(await counts()).toEqual({ comments_count: 41, replies_count: 40 });

    const softDeleted = await fireTogether(ids.slice(0, 20).map((id) => (tx) =>
      tx`UPDATE comments SET deleted_at = now() WHERE id = ${id}`));
    expect(rejected(softDeleted)).toEqual([]);
    expect(await counts()).toEqual({ comments_count: 21, replies_count: 20 });
  });

  test.skipIf(!canRunConcurrently)("registering 'Alice' and 'alice' at the same instant: exactly one wins (users_username_lower_key)", async () => {
    const base = `Race_${uid()}`;
    const names = [base, base.toLowerCase(), base.toUpperCase()];
    const results = await fireTogether(names.map((name, i) => (tx) =>
      tx`INSERT INTO users (username, email, password_hash) VALUES (${name}, ${`race${i}_${uid()}@conc.test`}, 'h')`));
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    const errors = results
      .filter((r): r is PromiseRejectedResult => r.status === "rejected")
      .map((r) => ({ code: r.reason.code, constraint: r.reason.constraint_name }));
    expect(errors).toEqual([
      { code: "23505", constraint: "users_username_lower_key" },
      { code: "23505", constraint: "users_username_lower_key" },
    ]);
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM users WHERE lower(username) = ${base.toLowerCase()}`;
    expect(row!.n).toBe(1);
  });

  test.skipIf(!canRunConcurrently)("follows, unfollows, suspensions and reinstatements at the same instant: account_stats equals a recount", async () => {
    const people = await users(16);
    // Half of the pairs already follow; the race adds the rest, removes those, and flips statuses.
    const pairs: Array<[string, string]> = [];
    for (const a of people) for (const b of people) if (a !== b) pairs.push([a, b]);
    const existing = pairs.filter((_, i) => i % 2 === 0);
    await sql`INSERT INTO user_follows (follower_id, following_id)
      SELECT * FROM unnest(${existing.map((p) => p[0])}::bigint[], ${existing.map((p) => p[1])}::bigint[])`;
    const suspended = people.slice(0, 4);
    await sql`UPDATE users SET status = 'suspended' WHERE id = ANY(${suspended}::bigint[])`;
    const jobs: Array<(tx: postgres.TransactionSql) => Promise<unknown>> = [
      ...pairs.map(([a, b], i) => (tx: postgres.TransactionSql) => i % 2 === 0
        ? tx`DELETE FROM user_follows WHERE follower_id = ${a} AND following_id = ${b}`
        : tx`INSERT INTO user_follows (follower_id, following_id) VALUES (${a}, ${b})`),
      ...people.slice(4, 10).map((u) => (tx: postgres.TransactionSql) => tx`UPDATE users SET status = 'suspended' WHERE id = ${u}`),
      ...suspended.map((u) => (tx: postgres.TransactionSql) => tx`UPDATE users SET status = 'active' WHERE id = ${u}`),
    ];
    expect(rejected(await fireTogether(shuffle(jobs)))).toEqual([]);
    const wrong = await sql`
      SELECT s.user_id, s.followers_count, s.following_count,
        (SELECT count(*)::int FROM user_follows f JOIN users a ON a.id = f.follower_id AND a.status = 'active' WHERE f.following_id = s.user_id) AS followers,
        (SELECT count(*)::int FROM user_follows f JOIN users a ON a.id = f.following_id AND a.status = 'active' WHERE f.follower_id = s.user_id) AS following
      FROM account_stats s WHERE s.user_id = ANY(${people}::bigint[])`;
    expect(wrong.length).toBe(16);
    expect(wrong.filter((r) => r.followers_count !== r.followers || r.following_count !== r.following)).toEqual([]);
  });
});
