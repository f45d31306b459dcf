// The home timeline has two strategies (per-author LATERAL merge, and a global newest-first window
// for large follow sets, with a fallback when the window cannot prove a page). Whatever the
// strategy, a viewer must get exactly the same pages.
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { sql } from "drizzle-orm";
import { authorTimeline, homeAuthorsSql, timelineTuning } from "../../src/modules/feed/feed.timeline";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createUser } from "../helpers/factories";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
let viewer: string;
const original = { ...timelineTuning };

beforeAll(async () => {
  t = await createTestDatabase();
  viewer = (await createUser(t.sql)).id;
  // 60 authors, the viewer follows 40 of them; posts and reposts interleaved in time, with ties.
  const authors: string[] = [];
  for (let i = 0; i < 60; i++) authors.push((await createUser(t.sql)).id);
  for (const a of authors.slice(0, 40)) await t.sql`INSERT INTO user_follows (follower_id, following_id) VALUES (${viewer}, ${a})`;
  await t.sql`
    INSERT INTO posts (user_id, type, status, content, published_at, created_at)
    SELECT (${authors}::bigint[])[1 + (g % 60)], 'text_short', 'published', 'post ' || g,
           TIMESTAMPTZ '2026-01-01' + ((g / 3) * INTERVAL '1 minute'), NOW()
    FROM generate_series(1, 600) g`;
  await t.sql`
    INSERT INTO reposts (user_id, post_id, created_at)
    SELECT (${authors}::bigint[])[1 + ((g * 7) % 60)], g * 3, TIMESTAMPTZ '2026-01-01' + ((g * 2) * INTERVAL '1 minute') + INTERVAL '30 seconds'
    FROM generate_series(1, 150) g ON CONFLICT DO NOTHING`;
  await t.sql`UPDATE user_profiles SET visibility = 'private' WHERE user_id = ${authors[5]!}`;
  await t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${viewer}, ${authors[6]!})`;
  await t.sql`UPDATE users SET status = 'suspended' WHERE id = ${authors[7]!}`;
  // Written directly, so the follows stay: the timeline itself must keep blocked accounts out.
  await t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${viewer}, ${authors[8]!}), (${authors[9]!}, ${viewer})`;
  excluded = new Set([5, 6, 7, 8, 9].map((i) => authors[i]!));
});
let excluded: Set<string>;
afterAll(async () => {
  Object.assign(timelineTuning, original);
  await t.close();
});

async function walk(limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const result = await authorTimeline(t.db, viewer, homeAuthorsSql(viewer), { cursor, limit });
    for (const item of result.items) {
      // Neither the post's author nor the reposter may be private, muted, suspended or blocked.
      expect(excluded.has(item.post.author.id)).toBe(false);
      if (item.repost) expect(excluded.has(item.repost.by.id)).toBe(false);
      ids.push(item.id);
    }
    if (!result.nextCursor) return ids;
    cursor = result.nextCursor;
  }
  throw new Error("did not finish");
}

test("LATERAL, proven window and window-with-fallback give identical pages", async () => {
  Object.assign(timelineTuning, { windowMinAuthors: 1_000_000, windowSizes: [10_000] });
  const lateral = await walk(7);
  expect(lateral.length).toBeGreaterThan(300);
  expect(new Set(lateral).size).toBe(lateral.length);

  Object.assign(timelineTuning, { windowMinAuthors: 1, windowSizes: [10_000] });
  expect(await walk(7)).toEqual(lateral);

  // A small window cannot prove most pages: the engine must fall back, not return a wrong page.
  Object.assign(timelineTuning, { windowMinAuthors: 1, windowSizes: [15] });
  expect(await walk(7)).toEqual(lateral);
  // Escalation: a window too small for most pages, then one that proves some, then LATERAL.
  Object.assign(timelineTuning, { windowMinAuthors: 1, windowSizes: [5, 60] });
  expect(await walk(7)).toEqual(lateral);

  // The order is newest first by (time, kind, id).
  const [first] = (await authorTimeline(t.db, viewer, homeAuthorsSql(viewer), { limit: 1 })).items;
  const newest = await t.db.execute(sql`SELECT max(published_at) AS m FROM posts p
    WHERE p.user_id IN (SELECT following_id FROM user_follows WHERE follower_id = ${viewer})`);
  expect(first).toBeDefined();
  expect(Date.parse(first!.repost?.createdAt ?? first!.post.publishedAt!)).toBeGreaterThanOrEqual(Date.parse(String((newest as unknown as { m: string }[])[0]!.m)));
});
