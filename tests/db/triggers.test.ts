// Trigger behaviour, one connection at a time: updated_at, the new-user bootstrap, the post
// counters (likes, comments/replies with soft delete, reposts), storage accounting and its
// breakdown, the zero floor of every counter, and friendships following mutual follows.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import type postgres from "postgres";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { addMedia, createUser, follow, type TestUser } from "../helpers/factories";

setDefaultTimeout(30_000); // see tests/setup.ts

// Creating the database (PGlite: migrating in memory) can take seconds on a loaded machine.
const HOOK_TIMEOUT = 30_000;

let t: TestDatabase;
let sql: postgres.Sql;
beforeAll(async () => {
  t = await createTestDatabase();
  sql = t.sql;
}, HOOK_TIMEOUT);
afterAll(async () => {
  await t.close();
}, HOOK_TIMEOUT);

// ---------------------------------------------------------------------------------------------
// local helpers (timestamps come from SQL: this client cannot bind Date objects)

let seq = 0;
const uid = () => `${(++seq).toString(36)}${Date.now().toString(36).slice(-4)}`;

async function one<T>(q: PromiseLike<T[]>): Promise<T> {
  const rows = await q;
  expect(rows.length).toBe(1);
  return { ...rows[0]! };
}
const idOf = async (q: PromiseLike<{ id: string }[]>) => (await one(q)).id;

const post = (userId: string, type = "text_short") =>
  idOf(sql<{ id: string }[]>`
    INSERT INTO posts (user_id, type, status, content, published_at)
    VALUES (${userId}, ${type}, 'published', ${`post ${uid()}`}, now()) RETURNING id`);
const comment = (postId: string, userId: string, parentId: string | null = null) =>
  idOf(sql<{ id: string }[]>`
    INSERT INTO comments (post_id, user_id, parent_comment_id, content)
    VALUES (${postId}, ${userId}, ${parentId}, ${`comment ${uid()}`}) RETURNING id`);
const interact = (userId: string, postId: string, type: "like" | "bookmark" | "share") =>
  sql`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${userId}, ${postId}, ${type})`;
const uninteract = (userId: string, postId: string, type: "like" | "bookmark" | "share") =>
  sql`DELETE FROM post_interactions WHERE user_id = ${userId} AND post_id = ${postId} AND type = ${type}`;

interface PostCounters { likes_count: number; comments_count: number; reposts_count: number }
const counters = (postId: string) =>
  one(sql<PostCounters[]>`SELECT likes_count, comments_count, reposts_count FROM posts WHERE id = ${postId}`);
const replies = async (commentId: string) =>
  (await one(sql<{ replies_count: number }[]>`SELECT replies_count FROM comments WHERE id = ${commentId}`)).replies_count;

interface Storage { used_bytes: string; images_bytes: string; videos_bytes: string; audio_bytes: string; other_bytes: string }
const storage = (userId: string) =>
  one(sql<Storage[]>`
    SELECT used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes FROM storage_usage WHERE user_id = ${userId}`);
const bytes = (used: number, images: number, videos: number, audio: number, other: number): Storage => ({
  used_bytes: String(used), images_bytes: String(images), videos_bytes: String(videos),
  audio_bytes: String(audio), other_bytes: String(other),
});

async function friendships(...userIds: string[]): Promise<Array<[string, string]>> {
  const rows = await sql<{ user_id_1: string; user_id_2: string }[]>`
    SELECT user_id_1, user_id_2 FROM friendships
    WHERE user_id_1 = ANY(${sql.array(userIds)}::bigint[]) OR user_id_2 = ANY(${sql.array(userIds)}::bigint[])
    ORDER BY user_id_1, user_id_2`;
  return rows.map((r) => [r.user_id_1, r.user_id_2]);
}
const unfollow = (followerId: string, followingId: string) =>
  sql`DELETE FROM user_follows WHERE follower_id = ${followerId} AND following_id = ${followingId}`;

/** Two fresh users, the one with the smaller id first. */
async function orderedUsers(): Promise<[TestUser, TestUser]> {
  const x = await createUser(sql);
  const y = await createUser(sql);
  return BigInt(x.id) < BigInt(y.id) ? [x, y] : [y, x];
}

class Rollback extends Error {}
/** Runs `fn` in a transaction that is always rolled back; returns what fn produced. */
async function inRolledBackTransaction<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let result: T | undefined;
  try {
    await sql.begin(async (tx) => {
      result = await fn(tx);
      throw new Rollback();
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  return result as T;
}

// ---------------------------------------------------------------------------------------------

describe("updated_at", () => {
  // table -> [create a row, returning its id] and [an UPDATE of another column, by id]
  interface Target { create: () => Promise<string>; touch: string }
  const targets: Record<string, Target> = {
    users: { create: async () => (await createUser(sql)).id, touch: "last_login_at = now()" },
    user_profiles: {
      create: async () => (await one(sql<{ id: string }[]>`SELECT id FROM user_profiles WHERE user_id = ${(await createUser(sql)).id}`)).id,
      touch: "bio = 'changed'",
    },
    subscription_tiers: {
      create: () => idOf(sql<{ id: string }[]>`
        INSERT INTO subscription_tiers (name, storage_bytes, price_monthly_cents) VALUES (${`T ${uid()}`}, 1, 1) RETURNING id`),
      touch: "description = 'changed'",
    },
    storage_usage: {
      create: async () => (await one(sql<{ id: string }[]>`SELECT id FROM storage_usage WHERE user_id = ${(await createUser(sql)).id}`)).id,
      touch: "last_calculated_at = now()",
    },
    posts: { create: async () => post((await createUser(sql)).id), touch: "title = 'edited'" },
    comments: {
      create: async () => { const u = await createUser(sql); return comment(await post(u.id), u.id); },
      touch: "content = 'edited'",
    },
    profile_sections: {
      create: async () => idOf(sql<{ id: string }[]>`
        INSERT INTO profile_sections (user_id, type, title) VALUES (${(await createUser(sql)).id}, 'feed', 'S') RETURNING id`),
      touch: "title = 'renamed'",
    },
    section_content: {
      create: async () => {
        const s = await idOf(sql<{ id: string }[]>`
          INSERT INTO profile_sections (user_id, type, title) VALUES (${(await createUser(sql)).id}, 'links', 'S') RETURNING id`);
        return idOf(sql<{ id: string }[]>`INSERT INTO section_content (section_id, content_type) VALUES (${s}, 'text') RETURNING id`);
      },
      touch: "content = 'changed'",
    },
    custom_feeds: {
      create: async () => idOf(sql<{ id: string }[]>`
        INSERT INTO custom_feeds (user_id, name, algorithm_config) VALUES (${(await createUser(sql)).id}, 'F', '{}') RETURNING id`),
      touch: "description = 'changed'",
    },
    user_lists: {
      create: async () => idOf(sql<{ id: string }[]>`
        INSERT INTO user_lists (user_id, name) VALUES (${(await createUser(sql)).id}, 'L') RETURNING id`),
      touch: "is_public = false",
    },
    messages: {
      create: async () => {
        const a = await createUser(sql);
        const b = await createUser(sql);
        const c = await idOf(sql<{ id: string }[]>`
          INSERT INTO conversations (participant_ids) VALUES (ARRAY[${a.id}, ${b.id}]::bigint[]) RETURNING id`);
        return idOf(sql<{ id: string }[]>`
          INSERT INTO messages (conversation_id, sender_id, content) VALUES (${c}, ${a.id}, 'hi') RETURNING id`);
      },
      touch: "content = 'edited'",
    },
    user_subscriptions: {
      create: async () => idOf(sql<{ id: string }[]>`
        INSERT INTO user_subscriptions (user_id, tier_id, current_period_start, current_period_end)
        VALUES (${(await createUser(sql)).id}, (SELECT id FROM subscription_tiers WHERE name = 'Basic'), now(), now() + interval '30 days')
        RETURNING id`),
      touch: "status = 'canceled'",
    },
  };

  /** Backdates updated_at with triggers off (the trigger would otherwise overwrite it). */
  async function backdate(table: string, id: string) {
    await sql.begin(async (tx) => {
      await tx`SET LOCAL session_replication_role = replica`;
      await tx`UPDATE ${tx(table)} SET updated_at = '2000-01-01T00:00:00Z' WHERE id = ${id}`;
    });
    const row = await one(sql<{ y: number }[]>`SELECT extract(year FROM updated_at)::int AS y FROM ${sql(table)} WHERE id = ${id}`);
    expect(row.y).toBe(2000);
  }

  test("the tables listed here are exactly the tables with an updated_at column, each with a set_updated_at trigger", async () => {
    const rows = await sql<{ table_name: string; has_trigger: boolean }[]>`
      SELECT c.table_name,
             EXISTS (SELECT 1 FROM pg_trigger tg JOIN pg_proc p ON p.oid = tg.tgfoid
                     WHERE tg.tgrelid = (quote_ident(c.table_name))::regclass AND p.proname = 'set_updated_at'
                       AND tg.tgtype & 2 = 2 /* BEFORE */ AND tg.tgtype & 16 = 16 /* UPDATE */) AS has_trigger
      FROM information_schema.columns c
      WHERE c.table_schema = 'public' AND c.column_name = 'updated_at'
      ORDER BY c.table_name`;
    expect(rows.map((r) => r.table_name)).toEqual(Object.keys(targets).sort());
    expect(rows.filter((r) => !r.has_trigger).map((r) => r.table_name)).toEqual([]);
  });

  for (const [table, target] of Object.entries(targets)) {
    test(`${table}: an UPDATE of another column sets updated_at to now()`, async () => {
      const id = await target.create();
      await backdate(table, id);
      const row = await one(sql<{ is_now: boolean; y: number }[]>`
        UPDATE ${sql(table)} SET ${sql.unsafe(target.touch)} WHERE id = ${id}
        RETURNING updated_at = now() AS is_now, extract(year FROM updated_at)::int AS y`);
      expect(row).toEqual({ is_now: true, y: new Date().getUTCFullYear() });
    });
  }

  test("counter updates by triggers leave posts.updated_at and comments.updated_at alone (0031)", async () => {
    const u = await createUser(sql);
    const p = await post(u.id);
    const c = await comment(p, u.id);
    await backdate("posts", p);
    await backdate("comments", c);
    await sql`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${u.id}, ${p}, 'like')`;
    await comment(p, u.id, c);
    await sql`UPDATE posts SET views_count = views_count + 1 WHERE id = ${p}`;
    const [pr] = await sql<{ y: number; likes: number }[]>`SELECT extract(year FROM updated_at)::int AS y, likes_count AS likes FROM posts WHERE id = ${p}`;
    const [cr] = await sql<{ y: number; replies: number }[]>`SELECT extract(year FROM updated_at)::int AS y, replies_count AS replies FROM comments WHERE id = ${c}`;
    expect(pr).toEqual({ y: 2000, likes: 1 });
    expect(cr).toEqual({ y: 2000, replies: 1 });
  });

  test("an explicit updated_at in an UPDATE is overwritten with now()", async () => {
    const u = await createUser(sql);
    const row = await one(sql<{ is_now: boolean }[]>`
      UPDATE users SET updated_at = '1999-01-01T00:00:00Z' WHERE id = ${u.id} RETURNING updated_at = now() AS is_now`);
    expect(row.is_now).toBe(true);
  });
});

describe("new user bootstrap", () => {
  test("inserting a user creates one default profile and one storage_usage row with the Free quota", async () => {
    const u = await createUser(sql);
    const profiles = await sql`
      SELECT visibility, display_name, age, background_config, style_config, layout_config FROM user_profiles WHERE user_id = ${u.id}`;
    expect(profiles.map((p) => ({ ...p }))).toEqual([{
      visibility: "public", display_name: null, age: null,
      background_config: {}, style_config: {}, layout_config: { sections: [] },
    }]);
    const usage = await sql`
      SELECT used_bytes, quota_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes FROM storage_usage WHERE user_id = ${u.id}`;
    expect(usage.map((r) => ({ ...r }))).toEqual([{
      used_bytes: "0", quota_bytes: "52428800", images_bytes: "0", videos_bytes: "0", audio_bytes: "0", other_bytes: "0",
    }]);
  });

  test("the quota is read from the Free tier, with 52428800 as the fallback when there is none", async () => {
    const quotas = await inRolledBackTransaction(async (tx) => {
      await tx`UPDATE subscription_tiers SET storage_bytes = 12345 WHERE name = 'Free'`;
      const [a] = await tx<{ id: string }[]>`
        INSERT INTO users (username, email, password_hash) VALUES (${`q_${uid()}`}, ${`${uid()}@q.test`}, 'h') RETURNING id`;
      await tx`UPDATE subscription_tiers SET name = 'Gratis' WHERE name = 'Free'`;
      const [b] = await tx<{ id: string }[]>`
        INSERT INTO users (username, email, password_hash) VALUES (${`q_${uid()}`}, ${`${uid()}@q.test`}, 'h') RETURNING id`;
      const rows = await tx<{ user_id: string; quota_bytes: string }[]>`
        SELECT user_id, quota_bytes FROM storage_usage WHERE user_id IN (${a!.id}, ${b!.id}) ORDER BY user_id`;
      return rows.map((r) => r.quota_bytes);
    });
    expect(quotas).toEqual(["12345", "52428800"]);
  });
});

describe("likes_count", () => {
  test("follows like rows only: bookmarks and shares do not count; a type change moves the count", async () => {
    const author = await createUser(sql);
    const x = await createUser(sql);
    const y = await createUser(sql);
    const p = await post(author.id);
    const q = await post(author.id);
    const likes = async () => (await counters(p)).likes_count;

    await interact(x.id, p, "like");
    expect(await likes()).toBe(1);
    await interact(x.id, p, "bookmark");
    await interact(x.id, p, "share");
    expect(await likes()).toBe(1);
    await interact(y.id, p, "like");
    expect(await likes()).toBe(2);
    const duplicate = await interact(y.id, p, "like").then(() => null, (e: { code?: string }) => e.code);
    expect(duplicate).toBe("23505"); // rejected, not counted
    expect(await likes()).toBe(2);
    await uninteract(x.id, p, "bookmark");
    await uninteract(x.id, p, "share");
    expect(await likes()).toBe(2);
    await uninteract(x.id, p, "like");
    expect(await likes()).toBe(1);

    // UPDATE OF type / post_id
    await sql`UPDATE post_interactions SET type = 'bookmark' WHERE user_id = ${y.id} AND post_id = ${p} AND type = 'like'`;
    expect(await likes()).toBe(0);
    await sql`UPDATE post_interactions SET type = 'like' WHERE user_id = ${y.id} AND post_id = ${p} AND type = 'bookmark'`;
    expect(await likes()).toBe(1);
    await sql`UPDATE post_interactions SET post_id = ${q} WHERE user_id = ${y.id} AND post_id = ${p} AND type = 'like'`;
    expect([await likes(), (await counters(q)).likes_count]).toEqual([0, 1]);

    const [rows] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM post_interactions WHERE post_id = ${q} AND type = 'like'`;
    expect(rows!.n).toBe(1);
  });

  test("ON CONFLICT DO NOTHING on an existing like does not count twice", async () => {
    const u = await createUser(sql);
    const p = await post(u.id);
    for (let i = 0; i < 3; i++) {
      await sql`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${u.id}, ${p}, 'like') ON CONFLICT DO NOTHING`;
    }
    expect((await counters(p)).likes_count).toBe(1);
  });
});

describe("comments_count and replies_count", () => {
  test("insert, soft delete, restore and hard delete of comments and replies", async () => {
    const u = await createUser(sql);
    const w = await createUser(sql);
    const p = await post(u.id);
    const count = async () => (await counters(p)).comments_count;

    const c1 = await comment(p, w.id);
    expect([await count(), await replies(c1)]).toEqual([1, 0]);
    const r1 = await comment(p, u.id, c1);
    const r2 = await comment(p, w.id, c1);
    expect([await count(), await replies(c1)]).toEqual([3, 2]);
    const r1a = await comment(p, w.id, r1); // a reply to a reply counts on the post and on r1 only
    expect([await count(), await replies(c1), await replies(r1)]).toEqual([4, 2, 1]);

    // soft delete
    await sql`UPDATE comments SET deleted_at = now() WHERE id = ${r2}`;
    expect([await count(), await replies(c1)]).toEqual([3, 1]);
    // soft-deleting again (already deleted) changes nothing
    await sql`UPDATE comments SET deleted_at = now() WHERE id = ${r2}`;
    expect([await count(), await replies(c1)]).toEqual([3, 1]);
    // an edit of a live comment changes nothing
    await sql`UPDATE comments SET content = 'edited' WHERE id = ${r1}`;
    expect([await count(), await replies(c1)]).toEqual([3, 1]);
    // restore
    await sql`UPDATE comments SET deleted_at = NULL WHERE id = ${r2}`;
    expect([await count(), await replies(c1)]).toEqual([4, 2]);
    // hard delete of a live reply
    await sql`DELETE FROM comments WHERE id = ${r1a}`;
    expect([await count(), await replies(r1)]).toEqual([3, 0]);
    // hard delete of a soft-deleted reply: counted once, when it was soft-deleted
    await sql`UPDATE comments SET deleted_at = now() WHERE id = ${r2}`;
    expect([await count(), await replies(c1)]).toEqual([2, 1]);
    await sql`DELETE FROM comments WHERE id = ${r2}`;
    expect([await count(), await replies(c1)]).toEqual([2, 1]);
    // a comment inserted already deleted does not count
    await sql`INSERT INTO comments (post_id, user_id, parent_comment_id, content, deleted_at) VALUES (${p}, ${u.id}, ${c1}, 'gone', now())`;
    expect([await count(), await replies(c1)]).toEqual([2, 1]);
    // soft-deleting the parent removes it from the post count; its live reply still counts
    await sql`UPDATE comments SET deleted_at = now() WHERE id = ${c1}`;
    expect([await count(), await replies(c1)]).toEqual([1, 1]);

    const [live] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM comments WHERE post_id = ${p} AND deleted_at IS NULL`;
    expect(live!.n).toBe(1);
  });

  test("moving a live reply to another parent moves the replies_count", async () => {
    const u = await createUser(sql);
    const p = await post(u.id);
    const a = await comment(p, u.id);
    const b = await comment(p, u.id);
    const r = await comment(p, u.id, a);
    await sql`UPDATE comments SET parent_comment_id = ${b} WHERE id = ${r}`;
    expect([await replies(a), await replies(b), (await counters(p)).comments_count]).toEqual([0, 1, 3]);
  });
});

describe("reposts_count", () => {
  test("counts repost rows", async () => {
    const u = await createUser(sql);
    const x = await createUser(sql);
    const y = await createUser(sql);
    const p = await post(u.id);
    await sql`INSERT INTO reposts (user_id, post_id) VALUES (${x.id}, ${p})`;
    await sql`INSERT INTO reposts (user_id, post_id, comment) VALUES (${y.id}, ${p}, 'look')`;
    expect((await counters(p)).reposts_count).toBe(2);
    await sql`DELETE FROM reposts WHERE user_id = ${x.id} AND post_id = ${p}`;
    expect((await counters(p)).reposts_count).toBe(1);
    await sql`DELETE FROM reposts WHERE post_id = ${p}`;
    expect((await counters(p)).reposts_count).toBe(0);
  });
});

describe("storage_usage", () => {
  test("used_bytes and the per-type breakdown follow post_media inserts and deletes", async () => {
    const u = await createUser(sql);
    const p = await post(u.id, "image_gallery");
    const img = await addMedia(sql, u.id, p, { type: "image", sizeBytes: 100 });
    expect(await storage(u.id)).toEqual(bytes(100, 100, 0, 0, 0));
    const gif = await addMedia(sql, u.id, p, { type: "gif", sizeBytes: 50, mimeType: "image/gif" });
    expect(await storage(u.id)).toEqual(bytes(150, 150, 0, 0, 0));
    const vid = await addMedia(sql, u.id, p, { type: "video", sizeBytes: 1000, mimeType: "video/mp4" });
    const aud = await addMedia(sql, u.id, p, { type: "audio", sizeBytes: 20, mimeType: "audio/mpeg" });
    const doc = await addMedia(sql, u.id, p, { type: "document", sizeBytes: 7, mimeType: "application/pdf" });
    expect(await storage(u.id)).toEqual(bytes(1177, 150, 1000, 20, 7));

    await sql`DELETE FROM post_media WHERE id = ${gif.id}`;
    expect(await storage(u.id)).toEqual(bytes(1127, 100, 1000, 20, 7));
    await sql`DELETE FROM post_media WHERE id = ${vid.id}`;
    expect(await storage(u.id)).toEqual(bytes(127, 100, 0, 20, 7));
    await sql`DELETE FROM post_media WHERE id IN (${img.id}, ${aud.id}, ${doc.id})`;
    expect(await storage(u.id)).toEqual(bytes(0, 0, 0, 0, 0));
  });

  test("large files (beyond 2^31 bytes) are accounted exactly as bigint", async () => {
    const u = await createUser(sql);
    const p = await post(u.id, "video_long");
    await addMedia(sql, u.id, p, { type: "video", sizeBytes: 3_000_000_000, mimeType: "video/mp4" });
    await addMedia(sql, u.id, p, { type: "video", sizeBytes: 2_500_000_000, mimeType: "video/mp4" });
    expect(await storage(u.id)).toEqual(bytes(5_500_000_000, 0, 5_500_000_000, 0, 0));
  });

  test("media of one user does not touch another user's usage", async () => {
    const a = await createUser(sql);
    const b = await createUser(sql);
    await addMedia(sql, a.id, await post(a.id, "image"), { sizeBytes: 10 });
    expect(await storage(b.id)).toEqual(bytes(0, 0, 0, 0, 0));
  });
});

// A gap migration 0009 had, pinned now that 0030 fixes it.
describe("gaps fixed by later migrations (0029, 0030)", () => {
  test("an UPDATE of post_media.file_size_bytes or type keeps storage_usage in step (0009 has INSERT and DELETE triggers only)", async () => {
    const u = await createUser(sql);
    const p = await post(u.id, "image");
    const m = await addMedia(sql, u.id, p, { type: "image", sizeBytes: 100 });
    await sql`UPDATE post_media SET file_size_bytes = 400, type = 'video' WHERE id = ${m.id}`;
    expect(await storage(u.id)).toEqual(bytes(400, 0, 400, 0, 0));
  });
});

describe("counters never go below zero", () => {
  test("likes, comments, replies and reposts stay at 0 when forced below the row count", async () => {
    const u = await createUser(sql);
    const w = await createUser(sql);
    const p = await post(u.id);
    await interact(w.id, p, "like");
    const c = await comment(p, w.id);
    const r = await comment(p, u.id, c);
    await sql`INSERT INTO reposts (user_id, post_id) VALUES (${w.id}, ${p})`;
    expect(await counters(p)).toEqual({ likes_count: 1, comments_count: 2, reposts_count: 1 });

    await sql`UPDATE posts SET likes_count = 0, comments_count = 0, reposts_count = 0 WHERE id = ${p}`;
    await sql`UPDATE comments SET replies_count = 0 WHERE id = ${c}`;

    await uninteract(w.id, p, "like");
    await sql`UPDATE comments SET deleted_at = now() WHERE id = ${r}`; // soft delete
    await sql`DELETE FROM comments WHERE id = ${r}`;
    await sql`DELETE FROM reposts WHERE post_id = ${p}`;
    expect(await counters(p)).toEqual({ likes_count: 0, comments_count: 0, reposts_count: 0 });
    expect(await replies(c)).toBe(0);
    await sql`DELETE FROM comments WHERE id = ${c}`;
    expect(await counters(p)).toEqual({ likes_count: 0, comments_count: 0, reposts_count: 0 });
  });

  test("storage used_bytes and buckets stay at 0 (and the used_bytes >= 0 CHECK is never hit)", async () => {
    const u = await createUser(sql);
    const p = await post(u.id, "image");
    const m = await addMedia(sql, u.id, p, { type: "image", sizeBytes: 500 });
    const v = await addMedia(sql, u.id, p, { type: "video", sizeBytes: 300, mimeType: "video/mp4" });
    await sql`UPDATE storage_usage SET used_bytes = 0, images_bytes = 0, videos_bytes = 100 WHERE user_id = ${u.id}`;
    await sql`DELETE FROM post_media WHERE id = ${m.id}`;
    expect(await storage(u.id)).toEqual(bytes(0, 0, 100, 0, 0));
    await sql`DELETE FROM post_media WHERE id = ${v.id}`;
    expect(await storage(u.id)).toEqual(bytes(0, 0, 0, 0, 0));
  });
});

describe("friendships from mutual follows", () => {
  test("the second follow creates (smaller id, larger id) when the smaller id follows first", async () => {
    const [lo, hi] = await orderedUsers();
    await follow(sql, lo.id, hi.id);
    expect(await friendships(lo.id, hi.id)).toEqual([]);
    await follow(sql, hi.id, lo.id);
    expect(await friendships(lo.id, hi.id)).toEqual([[lo.id, hi.id]]);
  });

  test("the second follow creates (smaller id, larger id) when the larger id follows first", async () => {
    const [lo, hi] = await orderedUsers();
    await follow(sql, hi.id, lo.id);
    expect(await friendships(lo.id, hi.id)).toEqual([]);
    await follow(sql, lo.id, hi.id);
    expect(await friendships(lo.id, hi.id)).toEqual([[lo.id, hi.id]]);
  });

  test("a one-way follow makes no friendship", async () => {
    const [lo, hi] = await orderedUsers();
    const third = await createUser(sql);
    await follow(sql, lo.id, hi.id);
    await follow(sql, third.id, lo.id);
    await follow(sql, hi.id, third.id);
    expect(await friendships(lo.id, hi.id, third.id)).toEqual([]);
  });

  test("unfollowing by either side removes the friendship; following back restores it", async () => {
    const [lo, hi] = await orderedUsers();
    await follow(sql, lo.id, hi.id);
    await follow(sql, hi.id, lo.id);
    expect(await friendships(lo.id, hi.id)).toEqual([[lo.id, hi.id]]);

    await unfollow(lo.id, hi.id);
    expect(await friendships(lo.id, hi.id)).toEqual([]);
    await follow(sql, lo.id, hi.id);
    expect(await friendships(lo.id, hi.id)).toEqual([[lo.id, hi.id]]);

    await unfollow(hi.id, lo.id);
    expect(await friendships(lo.id, hi.id)).toEqual([]);
    // the remaining one-way follow is untouched
    const [f] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM user_follows WHERE follower_id = ${lo.id} AND following_id = ${hi.id}`;
    expect(f!.n).toBe(1);
  });

  test("a friendship involves only the pair: other friendships of either user are unaffected", async () => {
    const [a, b] = await orderedUsers();
    const c = await createUser(sql); // largest id
    for (const [x, y] of [[a, b], [b, a], [a, c], [c, a], [b, c]] as const) await follow(sql, x.id, y.id);
    expect(await friendships(a.id, b.id, c.id)).toEqual([[a.id, b.id], [a.id, c.id]]);
    await unfollow(c.id, a.id);
    expect(await friendships(a.id, b.id, c.id)).toEqual([[a.id, b.id]]);
  });
});
