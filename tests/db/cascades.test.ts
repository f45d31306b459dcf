// ON DELETE behaviour: removing a user, a post, a comment (and the smaller parents) takes every
// dependent row with it, the counters of surviving rows follow, and a referenced subscription
// tier cannot be deleted.
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
// local row helpers (timestamps come from now(): this client cannot bind Date objects)

let seq = 0;
const uid = () => `${(++seq).toString(36)}${Date.now().toString(36).slice(-4)}`;
const hex64 = () => Array.from({ length: 64 }, () => "0123456789abcdef"[Math.floor(Math.random() * 16)]).join("");

async function one<T>(q: PromiseLike<T[]>): Promise<T> {
  const rows = await q;
  expect(rows.length).toBe(1);
  return rows[0]!;
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
const repost = (userId: string, postId: string) =>
  sql`INSERT INTO reposts (user_id, post_id) VALUES (${userId}, ${postId})`;
const notify = (userId: string, actorId: string | null, type: string, o: { postId?: string; commentId?: string } = {}) =>
  idOf(sql<{ id: string }[]>`
    INSERT INTO notifications (user_id, actor_id, type, post_id, comment_id, title)
    VALUES (${userId}, ${actorId}, ${type}, ${o.postId ?? null}, ${o.commentId ?? null}, 'n') RETURNING id`);
const reservation = (userId: string, mediaId: string | null) =>
  idOf(sql<{ id: string }[]>`
    INSERT INTO upload_reservations (user_id, file_key, file_name, mime_type, media_type, size_bytes, status, media_id, expires_at)
    VALUES (${userId}, ${`k/${uid()}`}, 'f.png', 'image/png', 'image', 10,
            ${mediaId ? "confirmed" : "pending"}, ${mediaId}, now() + interval '1 hour') RETURNING id`);

interface PostCounters { likes_count: number; comments_count: number; reposts_count: number }
const counters = (postId: string) =>
  one(sql<PostCounters[]>`SELECT likes_count, comments_count, reposts_count FROM posts WHERE id = ${postId}`);

async function failure(run: () => PromiseLike<unknown>): Promise<{ code?: string; constraint_name?: string }> {
  try {
    await run();
  } catch (error) {
    return error as { code?: string; constraint_name?: string };
  }
  throw new Error("expected the statement to fail, but it succeeded");
}

/** Every row, in every table, that belongs to or points at user `u`. */
async function footprint(u: string) {
  return one(sql<Record<string, number>[]>`
    SELECT
      (SELECT count(*) FROM users WHERE id = ${u})::int AS users,
      (SELECT count(*) FROM user_profiles WHERE user_id = ${u})::int AS user_profiles,
      (SELECT count(*) FROM storage_usage WHERE user_id = ${u})::int AS storage_usage,
      (SELECT count(*) FROM posts WHERE user_id = ${u})::int AS posts,
      (SELECT count(*) FROM post_media WHERE user_id = ${u})::int AS post_media,
      (SELECT count(*) FROM user_follows WHERE follower_id = ${u})::int AS follows_out,
      (SELECT count(*) FROM user_follows WHERE following_id = ${u})::int AS follows_in,
      (SELECT count(*) FROM friendships WHERE ${u} IN (user_id_1, user_id_2))::int AS friendships,
      (SELECT count(*) FROM post_interactions WHERE user_id = ${u})::int AS interactions_made,
      (SELECT count(*) FROM post_interactions i JOIN posts p ON p.id = i.post_id WHERE p.user_id = ${u})::int AS interactions_received,
      (SELECT count(*) FROM comments WHERE user_id = ${u})::int AS comments_written,
      (SELECT count(*) FROM comments c JOIN posts p ON p.id = c.post_id WHERE p.user_id = ${u})::int AS comments_received,
      (SELECT count(*) FROM reposts WHERE user_id = ${u})::int AS reposts_made,
      (SELECT count(*) FROM reposts r JOIN posts p ON p.id = r.post_id WHERE p.user_id = ${u})::int AS reposts_received,
      (SELECT count(*) FROM profile_sections WHERE user_id = ${u})::int AS profile_sections,
      (SELECT count(*) FROM section_content sc JOIN profile_sections s ON s.id = sc.section_id WHERE s.user_id = ${u})::int AS section_content,
      (SELECT count(*) FROM custom_feeds WHERE user_id = ${u})::int AS custom_feeds,
      (SELECT count(*) FROM feed_filters f JOIN custom_feeds cf ON cf.id = f.feed_id WHERE cf.user_id = ${u})::int AS feed_filters,
      (SELECT count(*) FROM user_lists WHERE user_id = ${u})::int AS user_lists,
      (SELECT count(*) FROM list_members m JOIN user_lists l ON l.id = m.list_id WHERE l.user_id = ${u})::int AS members_of_own_lists,
      (SELECT count(*) FROM list_members WHERE member_user_id = ${u})::int AS memberships,
      (SELECT count(*) FROM messages WHERE sender_id = ${u})::int AS messages_sent,
      (SELECT count(*) FROM notifications WHERE user_id = ${u})::int AS notifications_received,
      (SELECT count(*) FROM notifications WHERE actor_id = ${u})::int AS notifications_caused,
      (SELECT count(*) FROM user_subscriptions WHERE user_id = ${u})::int AS user_subscriptions,
      (SELECT count(*) FROM sessions WHERE user_id = ${u})::int AS sessions,
      (SELECT count(*) FROM auth_tokens WHERE user_id = ${u})::int AS auth_tokens,
      (SELECT count(*) FROM upload_reservations WHERE user_id = ${u})::int AS upload_reservations,
      (SELECT count(*) FROM user_blocks WHERE ${u} IN (blocker_id, blocked_id))::int AS blocks,
      (SELECT count(*) FROM user_mutes WHERE ${u} IN (muter_id, muted_id))::int AS mutes,
      (SELECT count(*) FROM post_tags pt JOIN posts p ON p.id = pt.post_id WHERE p.user_id = ${u})::int AS tags_on_own_posts,
      (SELECT count(*) FROM post_mentions pm JOIN posts p ON p.id = pm.post_id WHERE p.user_id = ${u})::int AS mentions_in_own_posts,
      (SELECT count(*) FROM post_mentions WHERE mentioned_user_id = ${u})::int AS mentioned_in`);
}

// ---------------------------------------------------------------------------------------------

describe("deleting a user", () => {
  test("removes every row that belongs to or references them, and only those", async () => {
    const victim = await createUser(sql);
    const other = await createUser(sql);
    const third = await createUser(sql);
    const V = victim.id;
    const O = other.id;
    const T = third.id;

    // content
    const pV = await post(V);
    const pV2 = await post(V, "image");
    const pO = await post(O);
    const mediaV1 = await addMedia(sql, V, pV2, { type: "image", sizeBytes: 1000 });
    await addMedia(sql, V, pV2, { type: "video", sizeBytes: 5000, mimeType: "video/mp4" });
    await addMedia(sql, O, pO, { type: "image", sizeBytes: 700 });
    await sql`INSERT INTO post_tags (post_id, tag) VALUES (${pV}, 'cats'), (${pV}, 'dogs'), (${pO}, 'cats')`;
    await sql`INSERT INTO post_mentions (post_id, mentioned_user_id) VALUES (${pV}, ${O}), (${pO}, ${V}), (${pO}, ${T})`;

    // follow graph: V <-> O and V <-> T are mutual (two friendships); O -> T is one way
    await follow(sql, V, O);
    await follow(sql, O, V);
    await follow(sql, T, V);
    await follow(sql, V, T);
    await follow(sql, O, T);

    // engagement in both directions
    await interact(V, pO, "like");
    await interact(V, pO, "bookmark");
    await interact(O, pV, "like");
    await interact(T, pO, "like");
    const cVonO = await comment(pO, V);
    await comment(pO, O, cVonO); // O's reply under V's comment goes with it
    await comment(pO, T);
    await comment(pV, O);
    await repost(V, pO);
    await repost(O, pV);

    // profile, feeds, lists
    const section = await idOf(sql<{ id: string }[]>`
      INSERT INTO profile_sections (user_id, type, title) VALUES (${V}, 'links', 'Links') RETURNING id`);
    await sql`INSERT INTO section_content (section_id, content_type, url) VALUES (${section}, 'link', 'https://a.test'), (${section}, 'text', NULL)`;
    const feed = await idOf(sql<{ id: string }[]>`
      INSERT INTO custom_feeds (user_id, name, algorithm_config) VALUES (${V}, 'Mine', '{}') RETURNING id`);
    await sql`INSERT INTO feed_filters (feed_id, type, operator, value) VALUES (${feed}, 'tag', 'equals', '"cats"'), (${feed}, 'author', 'equals', '1')`;
    const listV = await idOf(sql<{ id: string }[]>`INSERT INTO user_lists (user_id, name) VALUES (${V}, 'Mine') RETURNING id`);
    const listO = await idOf(sql<{ id: string }[]>`INSERT INTO user_lists (user_id, name) VALUES (${O}, 'Theirs') RETURNING id`);
    await sql`INSERT INTO list_members (list_id, member_user_id) VALUES (${listV}, ${O}), (${listV}, ${T}), (${listO}, ${V}), (${listO}, ${T})`;

    // messaging and notifications
    const conversation = await idOf(sql<{ id: string }[]>`
      INSERT INTO conversations (participant_ids) VALUES (ARRAY[${V}, ${O}]::bigint[]) RETURNING id`);
    await sql`INSERT INTO messages (conversation_id, sender_id, content)
              VALUES (${conversation}, ${V}, 'hi'), (${conversation}, ${V}, 'there'), (${conversation}, ${O}, 'hello')`;
    await notify(V, O, "follow");
    await notify(O, V, "like", { postId: pO });
    await notify(O, null, "system");
    await notify(T, O, "comment", { postId: pV }); // about V's post, between two other users

    // account records
    const [pro] = await sql<{ id: string }[]>`SELECT id FROM subscription_tiers WHERE name = 'Pro'`;
    await sql`INSERT INTO user_subscriptions (user_id, tier_id, current_period_start, current_period_end)
              VALUES (${V}, ${pro!.id}, now(), now() + interval '30 days')`;
    await sql`INSERT INTO sessions (user_id, token_hash, expires_at) VALUES (${V}, ${hex64()}, now() + interval '1 day'), (${V}, ${hex64()}, now() + interval '1 day')`;
    await sql`INSERT INTO auth_tokens (user_id, purpose, token_hash, expires_at) VALUES (${V}, 'verify_email', ${hex64()}, now() + interval '1 day')`;
    await reservation(V, null);
    await reservation(V, mediaV1.id);
    await sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${V}, ${T}), (${O}, ${V})`;
    await sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${V}, ${O}), (${T}, ${V})`;

    expect(await footprint(V)).toEqual({
      users: 1, user_profiles: 1, storage_usage: 1, posts: 2, post_media: 2,
      follows_out: 2, follows_in: 2, friendships: 2,
      interactions_made: 2, interactions_received: 1,
      comments_written: 1, comments_received: 1, reposts_made: 1, reposts_received: 1,
      profile_sections: 1, section_content: 2, custom_feeds: 1, feed_filters: 2,
      user_lists: 1, members_of_own_lists: 2, memberships: 1,
      messages_sent: 2, notifications_received: 1, notifications_caused: 1,
      user_subscriptions: 1, sessions: 2, auth_tokens: 1, upload_reservations: 2,
      blocks: 2, mutes: 2, tags_on_own_posts: 2, mentions_in_own_posts: 1, mentioned_in: 1,
    });
    const otherBefore = await footprint(O);
    expect(await counters(pO)).toEqual({ likes_count: 2, comments_count: 3, reposts_count: 1 });

    const deleted = await sql`DELETE FROM users WHERE id = ${V}`;
    expect(deleted.count).toBe(1);

    const after = await footprint(V);
    expect(Object.entries(after).filter(([, count]) => count !== 0)).toEqual([]);

    // The other user keeps everything that did not involve the victim.
    expect(await footprint(O)).toEqual({
      ...otherBefore,
      follows_out: 1, // O -> T remains, O -> V is gone
      follows_in: 0,
      friendships: 0,
      interactions_made: 0, // O's like was on V's post
      interactions_received: 1, // T's like on pO
      comments_written: 0, // O's comment on pV went with pV, O's reply went with V's comment
      comments_received: 1, // T's comment
      reposts_made: 0, // O's repost of pV
      reposts_received: 0,
      members_of_own_lists: 1, // T stays in O's list
      memberships: 0, // O was in V's list
      notifications_received: 1, // the system one; the "like" had V as actor
      notifications_caused: 0, // to V, and to T about V's post
      blocks: 0,
      mutes: 0,
      mentioned_in: 0, // the mention was in V's post
      mentions_in_own_posts: 1, // pO still mentions T
    });
    expect(await counters(pO)).toEqual({ likes_count: 1, comments_count: 1, reposts_count: 0 });

    // Shared things that are not V's: the conversation and O's message stay.
    const kept = await sql<{ sender_id: string; content: string }[]>`
      SELECT sender_id, content FROM messages WHERE conversation_id = ${conversation}`;
    expect(kept.map((m) => ({ ...m }))).toEqual([{ sender_id: O, content: "hello" }]);
    const [tags] = await sql<{ tags: string[] }[]>`SELECT array_agg(tag ORDER BY tag) AS tags FROM post_tags`;
    expect(tags!.tags).toEqual(["cats"]);
    const [notes] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${T}`;
    expect(notes!.n).toBe(0); // it pointed at V's post
    const storageO = await one(sql`SELECT used_bytes, images_bytes FROM storage_usage WHERE user_id = ${O}`);
    expect({ ...storageO }).toEqual({ used_bytes: "700", images_bytes: "700" });
    const [tier] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM subscription_tiers WHERE id = ${pro!.id}`;
    expect(tier!.n).toBe(1);
  });
});

describe("deleting a post", () => {
  test("removes its media, interactions, comments, reposts, tags, mentions and notifications", async () => {
    const author = await createUser(sql);
    const fan = await createUser(sql);
    const A = author.id;
    const F = fan.id;
    const p = await post(A, "image_gallery");
    const keep = await post(A);
    const m1 = await addMedia(sql, A, p, { type: "image", sizeBytes: 300 });
    await addMedia(sql, A, p, { type: "gif", sizeBytes: 200 });
    await addMedia(sql, A, keep, { type: "audio", sizeBytes: 50, mimeType: "audio/mpeg" });
    const res = await reservation(A, m1.id);
    await interact(F, p, "like");
    await interact(F, p, "bookmark");
    await interact(A, p, "share");
    await interact(F, keep, "like");
    const c1 = await comment(p, F);
    await comment(p, A, c1);
    await comment(keep, F);
    await repost(F, p);
    await sql`INSERT INTO post_tags (post_id, tag) VALUES (${p}, 'sun'), (${p}, 'sea'), (${keep}, 'sun')`;
    await sql`INSERT INTO post_mentions (post_id, mentioned_user_id) VALUES (${p}, ${F}), (${keep}, ${F})`;
    await notify(A, F, "like", { postId: p });
    await notify(A, F, "comment", { commentId: c1 });
    await notify(F, A, "mention", { postId: keep });

    const rowsOf = async (postId: string) => one(sql<Record<string, number>[]>`
      SELECT
        (SELECT count(*) FROM post_media WHERE post_id = ${postId})::int AS media,
        (SELECT count(*) FROM post_interactions WHERE post_id = ${postId})::int AS interactions,
        (SELECT count(*) FROM comments WHERE post_id = ${postId})::int AS comments,
        (SELECT count(*) FROM reposts WHERE post_id = ${postId})::int AS reposts,
        (SELECT count(*) FROM post_tags WHERE post_id = ${postId})::int AS tags,
        (SELECT count(*) FROM post_mentions WHERE post_id = ${postId})::int AS mentions,
        (SELECT count(*) FROM notifications n LEFT JOIN comments c ON c.id = n.comment_id
          WHERE n.post_id = ${postId} OR c.post_id = ${postId})::int AS notifications`);
    expect(await rowsOf(p)).toEqual({ media: 2, interactions: 3, comments: 2, reposts: 1, tags: 2, mentions: 1, notifications: 2 });
    const keepBefore = await rowsOf(keep);
    expect(keepBefore).toEqual({ media: 1, interactions: 1, comments: 1, reposts: 0, tags: 1, mentions: 1, notifications: 1 });

    const deleted = await sql`DELETE FROM posts WHERE id = ${p}`;
    expect(deleted.count).toBe(1);

    expect(await rowsOf(p)).toEqual({ media: 0, interactions: 0, comments: 0, reposts: 0, tags: 0, mentions: 0, notifications: 0 });
    const [leftover] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${A}`;
    expect(leftover!.n).toBe(0); // both of A's notifications were about the deleted post or its comment
    expect(await rowsOf(keep)).toEqual(keepBefore);
    expect(await counters(keep)).toEqual({ likes_count: 1, comments_count: 1, reposts_count: 0 });
    // the media's bytes were released and the confirmed reservation lost its media link
    const storage = await one(sql`SELECT used_bytes, images_bytes, audio_bytes FROM storage_usage WHERE user_id = ${A}`);
    expect({ ...storage }).toEqual({ used_bytes: "50", images_bytes: "0", audio_bytes: "50" });
    const r = await one(sql`SELECT media_id, status FROM upload_reservations WHERE id = ${res}`);
    expect({ ...r }).toEqual({ media_id: null, status: "confirmed" });
  });
});

describe("deleting a comment", () => {
  test("removes its replies (recursively) and their notifications; counters follow", async () => {
    const u = await createUser(sql);
    const w = await createUser(sql);
    const p = await post(u.id);
    const parent = await comment(p, u.id);
    const sibling = await comment(p, w.id);
    const r1 = await comment(p, w.id, parent);
    await comment(p, u.id, parent);
    const r1a = await comment(p, u.id, r1);
    await comment(p, w.id, sibling);
    await notify(w.id, u.id, "comment", { commentId: r1a });
    await notify(u.id, w.id, "comment", { commentId: sibling });
    expect(await counters(p)).toEqual({ likes_count: 0, comments_count: 6, reposts_count: 0 });

    await sql`DELETE FROM comments WHERE id = ${parent}`;

    const rows = await sql<{ id: string; parent_comment_id: string | null; replies_count: number }[]>`
      SELECT id, parent_comment_id, replies_count FROM comments WHERE post_id = ${p} ORDER BY id`;
    expect(rows.map((r) => ({ ...r })).filter((r) => r.parent_comment_id === null)).toEqual([
      { id: sibling, parent_comment_id: null, replies_count: 1 },
    ]);
    expect(rows.length).toBe(2); // sibling and its reply
    expect(await counters(p)).toEqual({ likes_count: 0, comments_count: 2, reposts_count: 0 });
    const notes = await sql<{ comment_id: string }[]>`SELECT comment_id FROM notifications WHERE comment_id IS NOT NULL ORDER BY id`;
    expect(notes.map((n) => n.comment_id)).toEqual([sibling]);
  });
});

describe("deleting other parents", () => {
  test("a profile section takes its content; a feed its filters; a list its members; a conversation its messages", async () => {
    const u = await createUser(sql);
    const m = await createUser(sql);
    const section = await idOf(sql<{ id: string }[]>`INSERT INTO profile_sections (user_id, type, title) VALUES (${u.id}, 'links', 'L') RETURNING id`);
    await sql`INSERT INTO section_content (section_id, content_type) VALUES (${section}, 'link'), (${section}, 'embed')`;
    const feed = await idOf(sql<{ id: string }[]>`INSERT INTO custom_feeds (user_id, name, algorithm_config) VALUES (${u.id}, 'F', '{}') RETURNING id`);
    await sql`INSERT INTO feed_filters (feed_id, type, operator, value) VALUES (${feed}, 'post_type', 'equals', '"image"')`;
    const list = await idOf(sql<{ id: string }[]>`INSERT INTO user_lists (user_id, name) VALUES (${u.id}, 'L') RETURNING id`);
    await sql`INSERT INTO list_members (list_id, member_user_id) VALUES (${list}, ${m.id})`;
    const conv = await idOf(sql<{ id: string }[]>`INSERT INTO conversations (participant_ids) VALUES (ARRAY[${u.id}, ${m.id}]::bigint[]) RETURNING id`);
    await sql`INSERT INTO messages (conversation_id, sender_id, content) VALUES (${conv}, ${u.id}, 'a'), (${conv}, ${m.id}, 'b')`;

    await sql`DELETE FROM profile_sections WHERE id = ${section}`;
    await sql`DELETE FROM custom_feeds WHERE id = ${feed}`;
    await sql`DELETE FROM user_lists WHERE id = ${list}`;
    await sql`DELETE FROM conversations WHERE id = ${conv}`;

    const counts = await one(sql<Record<string, number>[]>`
      SELECT
        (SELECT count(*) FROM section_content WHERE section_id = ${section})::int AS section_content,
        (SELECT count(*) FROM feed_filters WHERE feed_id = ${feed})::int AS feed_filters,
        (SELECT count(*) FROM list_members WHERE list_id = ${list})::int AS list_members,
        (SELECT count(*) FROM messages WHERE conversation_id = ${conv})::int AS messages,
        (SELECT count(*) FROM users WHERE id IN (${u.id}, ${m.id}))::int AS users`);
    expect(counts).toEqual({ section_content: 0, feed_filters: 0, list_members: 0, messages: 0, users: 2 });
  });

  test("deleting a media row releases its bytes and sets upload_reservations.media_id to NULL", async () => {
    const u = await createUser(sql);
    const p = await post(u.id, "image");
    const media = await addMedia(sql, u.id, p, { sizeBytes: 4096 });
    const res = await reservation(u.id, media.id);
    await sql`DELETE FROM post_media WHERE id = ${media.id}`;
    const r = await one(sql`SELECT media_id FROM upload_reservations WHERE id = ${res}`);
    expect(r.media_id).toBeNull();
    const s = await one(sql`SELECT used_bytes FROM storage_usage WHERE user_id = ${u.id}`);
    expect(s.used_bytes).toBe("0");
  });
});

describe("subscription tiers", () => {
  test("a tier referenced by a subscription cannot be deleted (no ON DELETE: 23503)", async () => {
    const u = await createUser(sql);
    const tier = await idOf(sql<{ id: string }[]>`
      INSERT INTO subscription_tiers (name, storage_bytes, price_monthly_cents) VALUES (${`Gold ${uid()}`}, 100, 100) RETURNING id`);
    await sql`INSERT INTO user_subscriptions (user_id, tier_id, current_period_start, current_period_end)
              VALUES (${u.id}, ${tier}, now(), now() + interval '30 days')`;
    const err = await failure(() => sql`DELETE FROM subscription_tiers WHERE id = ${tier}`);
    expect({ code: err.code, constraint: err.constraint_name }).toEqual({ code: "23503", constraint: "user_subscriptions_tier_id_fkey" });
    const [still] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM subscription_tiers WHERE id = ${tier}`;
    expect(still!.n).toBe(1);

    // once nothing references it, it can go
    await sql`DELETE FROM user_subscriptions WHERE tier_id = ${tier}`;
    const deleted = await sql`DELETE FROM subscription_tiers WHERE id = ${tier}`;
    expect(deleted.count).toBe(1);
  });

  test("deleting a subscribed user removes the subscription but keeps the tier", async () => {
    const u = await createUser(sql);
    const [basic] = await sql<{ id: string }[]>`SELECT id FROM subscription_tiers WHERE name = 'Basic'`;
    await sql`INSERT INTO user_subscriptions (user_id, tier_id, current_period_start, current_period_end)
              VALUES (${u.id}, ${basic!.id}, now(), now() + interval '30 days')`;
    await sql`DELETE FROM users WHERE id = ${u.id}`;
    const row = await one(sql<{ subs: number; tiers: number }[]>`
      SELECT (SELECT count(*) FROM user_subscriptions WHERE user_id = ${u.id})::int AS subs,
             (SELECT count(*) FROM subscription_tiers WHERE id = ${basic!.id})::int AS tiers`);
    expect({ ...row }).toEqual({ subs: 0, tiers: 1 });
  });
});

describe("catalog", () => {
  test("every foreign key cascades on delete, except tier_id (NO ACTION), upload_reservations.media_id, reports.resolved_by and posts.quote_of_post_id (SET NULL)", async () => {
    const rows = await sql<{ name: string; action: string }[]>`
      SELECT c.conname AS name, c.confdeltype AS action
      FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
      WHERE ns.nspname = 'public' AND c.contype = 'f' ORDER BY c.conname`;
    const exceptions: Record<string, string> = {
      user_subscriptions_tier_id_fkey: "a",
      upload_reservations_media_id_fkey: "n",
      // A moderator's account going keeps the reports they closed (0065).
      reports_resolved_by_fkey: "n",
      // A purged quoted post leaves the quote, which then embeds "unavailable" (0077).
      posts_quote_of_post_id_fkey: "n",
    };
    expect(rows.length).toBeGreaterThanOrEqual(42);
    const unexpected = rows.filter((r) => r.action !== (exceptions[r.name] ?? "c"));
    expect(unexpected.map((r) => ({ ...r }))).toEqual([]);
    expect(rows.filter((r) => r.name in exceptions).length).toBe(4);
  });

  test("purging a quoted post keeps the quote and clears its reference (0077)", async () => {
    const [a] = await sql<{ id: string }[]>`INSERT INTO users (username, email, password_hash) VALUES ('quoted_gone', 'quoted_gone@example.test', 'x') RETURNING id`;
    const [quoted] = await sql<{ id: string }[]>`INSERT INTO posts (user_id, type, status, content, published_at) VALUES (${a!.id}, 'text_short', 'published', 'original', NOW()) RETURNING id`;
    const [quote] = await sql<{ id: string }[]>`
      INSERT INTO posts (user_id, type, status, content, published_at, quote_of_post_id) VALUES (${a!.id}, 'text_short', 'published', 'quote', NOW(), ${quoted!.id}) RETURNING id`;
    await sql`DELETE FROM posts WHERE id = ${quoted!.id}`;
    const [row] = await sql<{ q: string | null }[]>`SELECT quote_of_post_id AS q FROM posts WHERE id = ${quote!.id}`;
    expect(row).toEqual({ q: null });
  });

  test("moderation_actions has no foreign keys: the audit log outlives what it describes (0066)", async () => {
    const rows = await sql`
      SELECT c.conname FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
      WHERE r.relname = 'moderation_actions' AND c.contype = 'f'`;
    expect(rows.length).toBe(0);
  });
});

describe("moderation rows (0065–0068)", () => {
  test("deleting a post takes its reports and removal row; deleting an account keeps the audit log and clears resolved_by", async () => {
    const author = await createUser(sql);
    const reporter = await createUser(sql);
    const moderator = await createUser(sql);
    const p = await post(author.id);
    await sql`INSERT INTO reports (reporter_id, target_type, target_user_id, post_id, category, description)
              VALUES (${reporter.id}, 'post', ${author.id}, ${p}, 'spam', 'ads')`;
    const closed = await idOf(sql<{ id: string }[]>`
      INSERT INTO reports (reporter_id, target_type, target_user_id, category, description, status, resolved_by, resolved_at)
      VALUES (${reporter.id}, 'account', ${author.id}, 'spam', 'bot', 'dismissed', ${moderator.id}, now()) RETURNING id`);
    await sql`INSERT INTO moderation_removals (post_id, reason) VALUES (${p}, 'ads')`;
    await sql`INSERT INTO moderation_actions (moderator_id, action, target_type, target_id, target_user_id, reason)
              VALUES (${moderator.id}, 'post.remove', 'post', ${p}, ${author.id}, 'ads')`;

    await sql`DELETE FROM posts WHERE id = ${p}`;
    const afterPost = await one(sql<{ reports: number; removals: number; actions: number }[]>`
      SELECT (SELECT count(*) FROM reports WHERE post_id = ${p})::int AS reports,
             (SELECT count(*) FROM moderation_removals WHERE post_id = ${p})::int AS removals,
             (SELECT count(*) FROM moderation_actions WHERE target_id = ${p} AND target_type = 'post')::int AS actions`);
    expect({ ...afterPost }).toEqual({ reports: 0, removals: 0, actions: 1 });

    // The moderator's account goes: the report they closed stays, without them.
    await sql`DELETE FROM users WHERE id = ${moderator.id}`;
    const report = await one(sql<{ resolved_by: string | null; status: string }[]>`SELECT resolved_by, status FROM reports WHERE id = ${closed}`);
    expect({ ...report }).toEqual({ resolved_by: null, status: "dismissed" });
    // The author's account goes (the purge job's hard delete): its reports go, the log stays.
    await sql`DELETE FROM users WHERE id = ${author.id}`;
    const left = await one(sql<{ reports: number; actions: number }[]>`
      SELECT (SELECT count(*) FROM reports WHERE target_user_id = ${author.id})::int AS reports,
             (SELECT count(*) FROM moderation_actions WHERE target_user_id = ${author.id} AND moderator_id = ${moderator.id})::int AS actions`);
    expect({ ...left }).toEqual({ reports: 0, actions: 1 });
  });
});
