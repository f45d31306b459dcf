// account_stats (drizzle/0060) and profile_counts (0061) against the definition they replace: after
// any history of follows, unfollows, blocks, suspensions, deletions, purges and post changes, the
// counts every viewer gets equal counting the rows (active accounts only, none in a block with the
// viewer). Races between these writes are tests/db/concurrency.test.ts's.
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import fc from "fast-check";
import { createTestDatabase, type TestDatabase } from "../helpers/db";

setDefaultTimeout(120_000); // a property over many histories; see tests/setup.ts

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
}, 30_000);
afterAll(async () => {
  await t.close();
}, 30_000);

const CAST = 6;
type Op =
  | { op: "follow" | "unfollow" | "block" | "unblock"; a: number; b: number }
  | { op: "status"; a: number; to: "active" | "suspended" | "deleted" }
  | { op: "purge"; a: number }
  | { op: "post"; a: number; status: "published" | "draft" }
  | { op: "deletePost" | "unpublish"; pick: number };

const who = fc.integer({ min: 0, max: CAST - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom("follow", "unfollow", "block", "unblock") as fc.Arbitrary<"follow">, a: who, b: who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("status" as const), a: who, to: fc.constantFrom("active", "suspended", "deleted") as fc.Arbitrary<"active"> }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("purge" as const), a: who }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("post" as const), a: who, status: fc.constantFrom("published", "draft") as fc.Arbitrary<"published"> }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("deletePost", "unpublish") as fc.Arbitrary<"deletePost">, pick: fc.nat() }) },
);

let run = 0;
async function replay(ops: Op[]) {
  const sql = t.sql;
  const tag = `as${++run}_${Date.now().toString(36)}`;
  const ids = (await sql<{ id: string }[]>`
    INSERT INTO users (username, email, password_hash)
    SELECT ${tag} || '_' || i, ${tag} || '_' || i || '@stats.test', 'h' FROM generate_series(1, ${CAST}::int) AS i
    RETURNING id`).map((r) => r.id);
  const alive = new Set(ids);
  for (const o of ops) {
    if ("a" in o && !alive.has(ids[o.a]!)) continue;
    if ("b" in o && (o.a === o.b || !alive.has(ids[o.b]!))) continue;
    const a = "a" in o ? ids[o.a]! : "";
    const b = "b" in o ? ids[o.b]! : "";
    switch (o.op) {
      case "follow": await sql`INSERT INTO user_follows (follower_id, following_id) VALUES (${a}, ${b}) ON CONFLICT DO NOTHING`; break;
      case "unfollow": await sql`DELETE FROM user_follows WHERE follower_id = ${a} AND following_id = ${b}`; break;
      case "block": await sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${a}, ${b}) ON CONFLICT DO NOTHING`; break;
      case "unblock": await sql`DELETE FROM user_blocks WHERE blocker_id = ${a} AND blocked_id = ${b}`; break;
      case "status": await sql`UPDATE users SET status = ${o.to}, deleted_at = CASE WHEN ${o.to} = 'deleted' THEN now() END WHERE id = ${a}`; break;
      case "purge": await sql`DELETE FROM users WHERE id = ${a}`; alive.delete(a); break;
      case "post": await sql`INSERT INTO posts (user_id, type, status, content, published_at)
        VALUES (${a}, 'text_short', ${o.status}, 'p', CASE WHEN ${o.status} = 'published' THEN now() END)`; break;
      case "deletePost": case "unpublish": {
        const mine = await sql<{ id: string }[]>`SELECT id FROM posts WHERE user_id = ANY(${[...alive]}::bigint[]) ORDER BY id`;
        const p = mine[o.pick % Math.max(mine.length, 1)];
        if (!p) break;
        if (o.op === "deletePost") await sql`UPDATE posts SET deleted_at = now() WHERE id = ${p.id}`;
        else await sql`UPDATE posts SET status = 'draft', published_at = NULL WHERE id = ${p.id}`;
      }
    }
  }
  const everyone = [...alive];
  // The definition: count the rows (what user.get did before 0060).
  const expected = await sql`
    SELECT t.id AS target, v.id AS viewer,
      (SELECT count(*)::int FROM user_follows f WHERE f.following_id = t.id
        AND f.follower_id NOT IN (SELECT id FROM users WHERE status <> 'active')
        AND f.follower_id NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = v.id)
        AND f.follower_id NOT IN (SELECT blocker_id FROM user_blocks WHERE blocked_id = v.id)) AS followers,
      (SELECT count(*)::int FROM user_follows f WHERE f.follower_id = t.id
        AND f.following_id NOT IN (SELECT id FROM users WHERE status <> 'active')
        AND f.following_id NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = v.id)
        AND f.following_id NOT IN (SELECT blocker_id FROM user_blocks WHERE blocked_id = v.id)) AS following,
      (SELECT count(*)::int FROM posts WHERE user_id = t.id AND status = 'published' AND deleted_at IS NULL) AS posts
    FROM unnest(${everyone}::bigint[]) AS t(id), unnest(${everyone}::bigint[]) AS v(id) ORDER BY 1, 2`;
  const actual = await sql`
    SELECT t.id AS target, v.id AS viewer, c.followers, c.following, c.posts
    FROM unnest(${everyone}::bigint[]) AS t(id), unnest(${everyone}::bigint[]) AS v(id),
         LATERAL profile_counts(t.id, v.id) c ORDER BY 1, 2`;
  const anonymous = await sql`SELECT t.id AS target, c.followers FROM unnest(${everyone}::bigint[]) AS t(id), LATERAL profile_counts(t.id, NULL) c ORDER BY 1`;
  const anonymousExpected = await sql`
    SELECT t.id AS target, (SELECT count(*)::int FROM user_follows f JOIN users a ON a.id = f.follower_id AND a.status = 'active' WHERE f.following_id = t.id) AS followers
    FROM unnest(${everyone}::bigint[]) AS t(id) ORDER BY 1`;
  return { expected: [...expected], actual: [...actual], anonymous: [...anonymous], anonymousExpected: [...anonymousExpected] };
}

test("profile counts equal a recount of the rows for every viewer after random histories", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 60 }), async (ops) => {
      const r = await replay(ops);
      expect(r.actual).toEqual(r.expected);
      expect(r.anonymous).toEqual(r.anonymousExpected);
    }),
    { numRuns: 40 },
  );
});

test("a follow between two accounts counts once each way, and leaves with a suspension and comes back with reinstatement", async () => {
  const r = await replay([
    { op: "follow", a: 0, b: 1 }, { op: "follow", a: 2, b: 1 }, { op: "status", a: 2, to: "suspended" },
    { op: "block", a: 1, b: 0 },
  ]);
  const row = (target: number, viewer: number) => r.actual[target * CAST + viewer];
  expect(row(1, 1)).toMatchObject({ followers: 0 }); // 0 is blocked by 1, 2 is suspended
  expect(row(1, 3)).toMatchObject({ followers: 1 }); // a third party sees 0's follow
  const back = await replay([{ op: "follow", a: 2, b: 1 }, { op: "status", a: 2, to: "suspended" }, { op: "status", a: 2, to: "active" }]);
  expect(back.actual[1 * CAST + 3]).toMatchObject({ followers: 1 });
});
