// Feeds over HTTP with the cache on (Redis when TEST_REDIS_URL is set, else the in-memory cache):
// feed.home (timeline engine, visibility, keyset paging, read-your-writes), feed.discover, and
// custom feeds (CRUD, normalized filters, every filter type/operator, groups, sorts, validation,
// visibility and cache invalidation). Each describe gets its own database, so exact id lists hold.
import { beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import type { TestDatabase } from "../helpers/db";
import { createPost, createUser, createUserWithToken, follow, type TestPost, type TestUser } from "../helpers/factories";
import { type Authed, ok, postsOf, rpc, type RpcResult, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

function expectError(res: RpcResult, code: string, status: number, appCode?: string) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode) expect(res.body.error.data.appCode).toBe(appCode);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A moment `ms` before now (a Date, handed to SQL as an ISO string by the helpers). */
const ago = (ms: number) => new Date(Date.now() - ms);

async function repostAt(sql: TestDatabase["sql"], user: TestUser, post: TestPost, createdAt: Date): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    INSERT INTO reposts (user_id, post_id, created_at) VALUES (${user.id}, ${post.id}, ${createdAt.toISOString()}) RETURNING id`;
  return row!.id;
}

const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id);
const p = (post: { id: string }) => `p${post.id}`;
const r = (repostId: string) => `r${repostId}`;

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("feed.home", () => {
  const ctx = useServer();
  const home = async (user: Authed, input: { cursor?: string; limit?: number } = {}) =>
    ok(await rpc(ctx.s.url, "feed.home", input, { method: "GET", token: user.token }));
  const mutate = (user: Authed, path: string, input: unknown) => rpc(ctx.s.url, path, input, { token: user.token });

  test("newest first: own posts, followed accounts' posts and reposts; muted, blocked (either way), suspended and unfollowed followers-only authors excluded, also inside reposts", async () => {
    const { t } = ctx;
    const viewer = await createUserWithToken(t.sql);
    const a = await createUser(t.sql, { displayName: "Alice" });
    const b = await createUser(t.sql);
    const c = await createUser(t.sql, { visibility: "followers" }); // followed by the viewer
    const d = await createUser(t.sql, { visibility: "followers" }); // not followed by the viewer
    const e = await createUser(t.sql); // public, not followed
    const muted = await createUser(t.sql);
    const blockedByViewer = await createUser(t.sql);
    const blocksViewer = await createUser(t.sql);
    const suspended = await createUser(t.sql);
    for (const u of [a, b, c, muted, blockedByViewer, blocksViewer, suspended]) await follow(t.sql, viewer.id, u.id);
    await follow(t.sql, a.id, d.id);
    await follow(t.sql, a.id, c.id);
    await t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${viewer.id}, ${muted.id})`;
    // Follow rows stay (inserted by SQL): the timeline itself must drop blocked pairs.
    await t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${viewer.id}, ${blockedByViewer.id}), (${blocksViewer.id}, ${viewer.id})`;

    const e1 = await createPost(t.sql, e.id, { createdAt: ago(100 * MINUTE) });
    const d1 = await createPost(t.sql, d.id, { createdAt: ago(99 * MINUTE) });
    const k1 = await createPost(t.sql, blockedByViewer.id, { createdAt: ago(98 * MINUTE) });
    const k2 = await createPost(t.sql, blocksViewer.id, { createdAt: ago(97 * MINUTE) });
    const m1 = await createPost(t.sql, muted.id, { createdAt: ago(96 * MINUTE) });
    const s1 = await createPost(t.sql, suspended.id, { createdAt: ago(95 * MINUTE) });
    const a1 = await createPost(t.sql, a.id, { createdAt: ago(90 * MINUTE) });
    const v1 = await createPost(t.sql, viewer.id, { createdAt: ago(89 * MINUTE) });
    const c1 = await createPost(t.sql, c.id, { createdAt: ago(88 * MINUTE) });
    const b1 = await createPost(t.sql, b.id, { createdAt: ago(87 * MINUTE) });
    const rAe1At = ago(86 * MINUTE);
    const rAe1 = await repostAt(t.sql, a, e1, rAe1At);
    await repostAt(t.sql, a, d1, ago(85 * MINUTE)); // followers-only author the viewer does not follow
    const rAc1 = await repostAt(t.sql, a, c1, ago(84 * MINUTE));
    const rAk1 = await repostAt(t.sql, a, k1, ago(83 * MINUTE)); // blocked by the viewer
    const rAk2 = await repostAt(t.sql, a, k2, ago(82 * MINUTE)); // blocks the viewer
    const rAm1 = await repostAt(t.sql, a, m1, ago(81 * MINUTE)); // muted author
    await repostAt(t.sql, a, s1, ago(80 * MINUTE)); // suspended author
    await repostAt(t.sql, muted, b1, ago(79 * MINUTE)); // muted reposter
    const rBv1 = await repostAt(t.sql, b, v1, ago(78 * MINUTE));
    await createPost(t.sql, a.id, { status: "draft", createdAt: ago(77 * MINUTE) });
    const gone = await createPost(t.sql, a.id, { createdAt: ago(76 * MINUTE) });
    await t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${gone.id}`;
    const b2 = await createPost(t.sql, b.id, { createdAt: ago(75 * MINUTE) });
    await repostAt(t.sql, e, a1, ago(74 * MINUTE)); // not followed
    const rVb1 = await repostAt(t.sql, viewer, b1, ago(73 * MINUTE));
    await t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;

    const page = await home(viewer, { limit: 100 });
    expect(ids(page)).toEqual([r(rVb1), p(b2), r(rBv1), r(rAc1), r(rAe1), p(b1), p(c1), p(v1), p(a1)]);
    expect(page.nextCursor).toBeNull();

    const repost = page.items.find((i: { id: string }) => i.id === r(rAe1));
    expect(repost).toMatchObject({
      kind: "repost",
      post: { id: e1.id, author: { id: e.id, username: e.username } },
      repost: { id: rAe1, by: { id: a.id, username: a.username, displayName: "Alice" }, comment: null, createdAt: rAe1At.toISOString() },
    });
    const post = page.items.find((i: { id: string }) => i.id === p(c1));
    expect(post).toMatchObject({ kind: "post", repost: null, post: { id: c1.id, author: { id: c.id } } });

    // Another follower of a: no c or d post (they follow neither) even reposted; the viewer's mutes and
    // blocks are not theirs, so those reposts show; the suspended author's still does not.
    const other = await createUserWithToken(t.sql);
    await follow(t.sql, other.id, a.id);
    expect(ids(await home(other, { limit: 100 }))).toEqual([r(rAm1), r(rAk2), r(rAk1), r(rAe1), p(a1)]);
  });

  test("same-instant items: reposts before posts, then by id; keyset pages (limit 2) stay exact while new posts arrive between fetches", async () => {
    const { t } = ctx;
    const viewer = await createUserWithToken(t.sql);
    const a = await createUserWithToken(t.sql);
    const b = await createUser(t.sql);
    await follow(t.sql, viewer.id, a.id);
    await follow(t.sql, viewer.id, b.id);
    const T = ago(30 * MINUTE);
    const x1 = await createPost(t.sql, a.id, { createdAt: ago(40 * MINUTE) });
    const x2 = await createPost(t.sql, b.id, { createdAt: T });
    const x3 = await createPost(t.sql, a.id, { createdAt: T });
    const x4 = await createPost(t.sql, b.id, { createdAt: T });
    const rx1 = await repostAt(t.sql, b, x1, T);
    const x5 = await createPost(t.sql, a.id, { createdAt: ago(20 * MINUTE) });
    const x6 = await createPost(t.sql, viewer.id, { createdAt: ago(10 * MINUTE) });
    const x7 = await createPost(t.sql, b.id, { createdAt: ago(5 * MINUTE) });

    const expected = [p(x7), p(x6), p(x5), r(rx1), p(x4), p(x3), p(x2), p(x1)];
    expect(ids(await home(viewer, { limit: 100 }))).toEqual(expected);

    const walked: string[] = [];
    const fresh: string[] = [];
    const behind: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await home(viewer, { limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...ids(page));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
      // Concurrent activity between page fetches: a post through the API (fanned out to the
      // materialized timeline) and one straight into the table (never fanned out: it joins
      // timelines only when one is rebuilt), both newer than anything already paged.
      const [created] = await Promise.all([
        mutate(a, "post.create", { type: "text_short", content: `live ${i}` }),
        createPost(t.sql, b.id).then((x) => behind.push(p(x))),
      ]);
      fresh.push(p(ok(created)));
    }
    expect(walked).toEqual(expected);
    expect(new Set(walked).size).toBe(walked.length);

    // The new posts head the next first page.
    const head = await home(viewer, { limit: 100 });
    expect(ids(head).slice(-expected.length)).toEqual(expected);
    expect(new Set(ids(head).slice(0, -expected.length))).toEqual(new Set(fresh));
    expect(behind.length).toBeGreaterThan(0);
    // A rebuild (here: the viewer follows someone) reads the table: the rows written behind the API join.
    const c = await createUserWithToken(t.sql);
    ok(await mutate(viewer, "social.follow", { userId: c.id }));
    expect(new Set(ids(await home(viewer, { limit: 100 })).slice(0, -expected.length))).toEqual(new Set([...fresh, ...behind]));
  });

  test("read-your-writes with the cache on: post.create, post.publish and a repost show on the next read; a delete or unrepost vanishes", async () => {
    const { t } = ctx;
    const viewer = await createUserWithToken(t.sql);
    const author = await createUserWithToken(t.sql);
    const stranger = await createUser(t.sql);
    ok(await mutate(viewer, "social.follow", { userId: author.id }));
    const old = await createPost(t.sql, author.id, { createdAt: ago(HOUR) });
    const strangers = await createPost(t.sql, stranger.id, { createdAt: ago(2 * HOUR) });

    expect(ids(await home(viewer))).toEqual([p(old)]);
    // The timeline is materialized: a row written behind the API's back is never fanned out.
    await createPost(t.sql, author.id, { createdAt: ago(MINUTE) });
    expect(ids(await home(viewer))).toEqual([p(old)]);

    const created = ok(await mutate(author, "post.create", { type: "text_short", content: "fresh" }));
    expect(ids(await home(viewer))).toEqual([p(created), p(old)]);

    const draft = ok(await mutate(author, "post.create", { type: "text_short", content: "later", status: "draft" }));
    expect(ids(await home(viewer))).toEqual([p(created), p(old)]);
    ok(await mutate(author, "post.publish", { postId: draft.id }));
    expect(ids(await home(viewer))).toEqual([p(draft), p(created), p(old)]);

    const reposted = ok(await mutate(author, "post.repost", { postId: strangers.id, comment: "look" }));
    expect(reposted.reposted).toBe(true);
    const afterRepost = await home(viewer);
    expect(afterRepost.items[0]).toMatchObject({ kind: "repost", post: { id: strangers.id }, repost: { by: { id: author.id }, comment: "look" } });
    expect(ids(afterRepost).slice(1)).toEqual([p(draft), p(created), p(old)]);

    // The viewer's own post shows on their own next read.
    const mine = ok(await mutate(viewer, "post.create", { type: "text_short", content: "me" }));
    expect(ids(await home(viewer))[0]).toBe(p(mine));

    ok(await mutate(author, "post.delete", { postId: created.id }));
    expect(ids(await home(viewer))).not.toContain(p(created));
    ok(await mutate(author, "post.unrepost", { postId: strangers.id }));
    expect(ids(await home(viewer))).toEqual([p(mine), p(draft), p(old)]);
  });

  test("an unfollow, a block (either way), a mute, a suspension or a privacy change removes the author on the next read", async () => {
    const { t } = ctx;
    const viewer = await createUserWithToken(t.sql);
    const [ua, ub, uc, ud, ue, uf] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createUserWithToken(t.sql)));
    const authors = [ua!, ub!, uc!, ud!, ue!, uf!];
    for (const u of authors) ok(await mutate(viewer, "social.follow", { userId: u.id }));
    const posts = [] as TestPost[];
    for (const [i, u] of authors.entries()) posts.push(await createPost(t.sql, u.id, { createdAt: ago((10 - i) * MINUTE) }));
    const all = posts.map(p).reverse();
    expect(ids(await home(viewer))).toEqual(all);

    ok(await mutate(viewer, "social.unfollow", { userId: ua!.id }));
    expect(ids(await home(viewer))).toEqual(all.filter((x) => x !== p(posts[0]!)));
    ok(await mutate(ub!, "social.block", { userId: viewer.id }));
    expect(ids(await home(viewer))).toEqual(all.filter((x) => ![p(posts[0]!), p(posts[1]!)].includes(x)));
    ok(await mutate(viewer, "social.block", { userId: uc!.id }));
    ok(await mutate(viewer, "social.mute", { userId: ud!.id }));
    expect(ids(await home(viewer))).toEqual([p(posts[5]!), p(posts[4]!)]);
    await t.sql`UPDATE users SET status = 'suspended' WHERE id = ${ue!.id}`;
    await t.sql`UPDATE user_profiles SET visibility = 'private' WHERE user_id = ${uf!.id}`;
    expect(ids(await home(viewer))).toEqual([]);
    // Unmuting brings the account back on the next read.
    ok(await mutate(viewer, "social.unmute", { userId: ud!.id }));
    expect(ids(await home(viewer))).toEqual([p(posts[3]!)]);
  });

  test("a followers-only author is in the timeline of followers only; a request shows nothing, its approval shows it at once", async () => {
    const { t } = ctx;
    const viewer = await createUserWithToken(t.sql);
    const fan = await createUserWithToken(t.sql);
    const closed = await createUserWithToken(t.sql, { visibility: "followers" });
    const reposter = await createUser(t.sql);
    await follow(t.sql, fan.id, closed.id);
    await follow(t.sql, fan.id, reposter.id);
    await follow(t.sql, viewer.id, reposter.id);
    const cp = await createPost(t.sql, closed.id, { createdAt: ago(10 * MINUTE) });
    const rr = await repostAt(t.sql, reposter, cp, ago(5 * MINUTE));
    expect(ids(await home(fan))).toEqual([r(rr), p(cp)]);
    expect(ids(await home(viewer))).toEqual([]);
    expect(ok(await mutate(viewer, "social.follow", { userId: closed.id }))).toEqual({ following: false, requested: true, isFriend: false });
    expect(ids(await home(viewer))).toEqual([]);
    ok(await mutate(closed, "social.approveFollow", { userId: viewer.id }));
    expect(ids(await home(viewer))).toEqual([r(rr), p(cp)]);
  });

  test("input: anonymous is UNAUTHORIZED, a forged cursor or limit 0 is BAD_REQUEST", async () => {
    const viewer = await createUserWithToken(ctx.t.sql);
    expectError(await rpc(ctx.s.url, "feed.home", {}, { method: "GET" }), "UNAUTHORIZED", 401);
    expectError(await rpc(ctx.s.url, "feed.home", { cursor: "bm9wZQ" }, { method: "GET", token: viewer.token }), "BAD_REQUEST", 400, "INVALID_CURSOR");
    const zero = await rpc(ctx.s.url, "feed.home", { limit: 0 }, { method: "GET", token: viewer.token });
    expectError(zero, "BAD_REQUEST", 400);
    expect(zero.body.error.data.field).toBe("limit");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("feed.discover", () => {
  const ctx = useServer();
  const discover = async (input: Record<string, unknown>, token?: string) =>
    postsOf(ok(await rpc(ctx.s.url, "feed.discover", input, { method: "GET", token })));
  const d: Record<string, TestPost> = {};
  let viewer: Authed;

  beforeAll(async () => {
    const { t } = ctx;
    viewer = await createUserWithToken(t.sql);
    const [p1, p2, p3] = [await createUser(t.sql), await createUser(t.sql), await createUser(t.sql)];
    const fo = await createUser(t.sql, { visibility: "followers" });
    const priv = await createUser(t.sql, { visibility: "private" });
    const sus = await createUser(t.sql);
    const mu = await createUser(t.sql);
    const bk = await createUser(t.sql);
    await follow(t.sql, viewer.id, fo.id);
    await t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${viewer.id}, ${mu.id})`;
    await t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${bk.id}, ${viewer.id})`;
    // label: author, published ago, likes, comments, reposts → score = likes + 2·comments + 3·reposts
    const spec: [string, TestUser, number, number, number, number, ("draft" | "scheduled")?][] = [
      ["d1", p1!, 1 * HOUR, 10, 0, 0], // 10
      ["d2", p2!, 2 * HOUR, 0, 3, 0], // 6
      ["d3", p3!, 3 * HOUR, 1, 1, 1], // 6, newer id than d2: first of the tie
      ["d4", p1!, 2 * DAY, 0, 0, 4], // 12, not in 24h
      ["d5", p2!, 10 * DAY, 20, 0, 0], // 20, only in 30d
      ["d6", p3!, 40 * DAY, 50, 0, 0], // outside every window
      ["d7", fo, 1 * HOUR, 100, 0, 0], // followers-only author: never in discover
      ["d8", priv, 1 * HOUR, 100, 0, 0], // private author
      ["d9", sus, 1 * HOUR, 100, 0, 0], // suspended author
      ["d10", mu, 1 * HOUR, 30, 0, 0], // 30, muted by the viewer
      ["d11", bk, 1 * HOUR, 25, 0, 0], // 25, blocks the viewer
      ["d12", p1!, 1 * HOUR, 99, 0, 0, "draft"],
      ["d13", p2!, 1 * HOUR, 99, 0, 0], // deleted below
      ["d14", p3!, 1 * HOUR, 0, 0, 0], // 0
      ["d15", p1!, 1 * HOUR, 99, 0, 0, "scheduled"],
    ];
    for (const [label, author, age, likes, comments, reposts, status] of spec) {
      const post = await createPost(t.sql, author.id, { createdAt: ago(age), status });
      await t.sql`UPDATE posts SET likes_count = ${likes}, comments_count = ${comments}, reposts_count = ${reposts} WHERE id = ${post.id}`;
      d[label] = post;
    }
    await t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${d.d13!.id}`;
    await t.sql`UPDATE users SET status = 'suspended' WHERE id = ${sus.id}`;
  });

  const postIds = (page: { items: { id: string }[] }) => page.items.map((x) => x.id);
  const labels = (...names: string[]) => names.map((n) => d[n]!.id);

  test("ranked by likes + 2·comments + 3·reposts, ties by id (newest first); only public, active, published, live posts", async () => {
    const page = await discover({ limit: 50 });
    expect(postIds(page)).toEqual(labels("d10", "d11", "d4", "d1", "d3", "d2", "d14"));
    expect(page.nextCursor).toBeNull();
    expect(page.items[3]).toMatchObject({ id: d.d1!.id, counts: { likes: 10, comments: 0, reposts: 0 } });
  });

  test("window: 24h, 7d (default), 30d", async () => {
    expect(postIds(await discover({ window: "24h", limit: 50 }))).toEqual(labels("d10", "d11", "d1", "d3", "d2", "d14"));
    expect(postIds(await discover({ window: "7d", limit: 50 }))).toEqual(labels("d10", "d11", "d4", "d1", "d3", "d2", "d14"));
    expect(postIds(await discover({ window: "30d", limit: 50 }))).toEqual(labels("d10", "d11", "d5", "d4", "d1", "d3", "d2", "d14"));
    const bad = await rpc(ctx.s.url, "feed.discover", { window: "1y" }, { method: "GET" });
    expectError(bad, "BAD_REQUEST", 400);
    expect(bad.body.error.data.field).toBe("window");
  });

  test("for a signed-in viewer: muted and blocking authors are left out (the followed followers-only author still is)", async () => {
    expect(postIds(await discover({ limit: 50 }, viewer.token))).toEqual(labels("d4", "d1", "d3", "d2", "d14"));
  });

  test("cursor paging (limit 2) walks the ranking exactly once", async () => {
    for (const [token, window, expected] of [
      [undefined, "30d", labels("d10", "d11", "d5", "d4", "d1", "d3", "d2", "d14")],
      [viewer.token, "7d", labels("d4", "d1", "d3", "d2", "d14")],
    ] as const) {
      const walked: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 20; i++) {
        const page = await discover({ window, limit: 2, cursor }, token);
        expect(page.items.length).toBeLessThanOrEqual(2);
        walked.push(...postIds(page));
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(walked).toEqual([...expected]);
    }
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
const MATCH_ALL = { type: "post_type", operator: "contains", value: ["text_short", "text_long", "image", "image_gallery", "gif", "video_short", "video_long", "song", "album"] };

describe("custom feeds: management, validation, visibility, cache", () => {
  const ctx = useServer();
  const mutate = (user: Authed | null, path: string, input: unknown) => rpc(ctx.s.url, path, input, { token: user?.token });
  const query = (user: Authed | null, path: string, input?: unknown) => rpc(ctx.s.url, path, input, { method: "GET", token: user?.token });
  let seq = 0;
  const createFeed = async (owner: Authed, filters: unknown[], extra: Record<string, unknown> = {}) =>
    ok(await mutate(owner, "feed.create", { name: `feed ${++seq}`, algorithmConfig: { filters, ...extra } }));
  const execute = async (user: Authed | null, feedId: string, input: Record<string, unknown> = {}) =>
    postsOf(ok(await query(user, "feed.execute", { feedId, limit: 100, ...input })));
  const filterRows = async (feedId: string): Promise<Record<string, unknown>[]> => [
    ...(await ctx.t.sql`
      SELECT type::text, operator::text, value, group_id, logical_operator, display_order FROM feed_filters
      WHERE feed_id = ${feedId} ORDER BY display_order`),
  ];

  test("create stores the validated config and its normalized feed_filters rows; update rewrites them", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const friend = await createUser(ctx.t.sql);
    const created = ok(await mutate(owner, "feed.create", {
      name: "  Cats & friends ",
      description: "mine",
      algorithmConfig: {
        filters: [
          { type: "tag", operator: "equals", value: "#Cats" },
          { type: "author", operator: "contains", value: ["friends", friend.id], groupId: 1, logicalOperator: "OR" },
          { type: "engagement", operator: "in_range", value: { min: 1, max: 5 }, groupId: 1, logicalOperator: "NOT" },
          { type: "date_range", operator: "in_range", value: { start: { lastDays: 7 }, end: "2030-01-01T00:00:00Z" }, groupId: 2 },
          { type: "post_type", operator: "contains", value: ["image", "gif"], groupId: 2, logicalOperator: "AND" },
        ],
        logic: "OR",
        sort: "popular",
      },
    }));
    const normalized = {
      filters: [
        { type: "tag", operator: "equals", value: "cats", groupId: 0, logicalOperator: "AND" },
        { type: "author", operator: "contains", value: ["friends", friend.id], groupId: 1, logicalOperator: "OR" },
        { type: "engagement", operator: "in_range", value: { metric: "likes", min: 1, max: 5 }, groupId: 1, logicalOperator: "NOT" },
        { type: "date_range", operator: "in_range", value: { start: { lastDays: 7 }, end: "2030-01-01T00:00:00Z" }, groupId: 2, logicalOperator: "AND" },
        { type: "post_type", operator: "contains", value: ["image", "gif"], groupId: 2, logicalOperator: "AND" },
      ],
      logic: "OR",
      sort: "popular",
    };
    expect(created).toMatchObject({ name: "Cats & friends", description: "mine", isDefault: false, displayOrder: 0, algorithmConfig: normalized });
    const [stored] = await ctx.t.sql`SELECT user_id, algorithm_config FROM custom_feeds WHERE id = ${created.id}`;
    expect(stored).toEqual({ user_id: owner.id, algorithm_config: normalized });
    expect(await filterRows(created.id)).toEqual(
      normalized.filters.map((f, i) => ({
        type: f.type, operator: f.operator, value: f.value, group_id: f.groupId, logical_operator: f.logicalOperator, display_order: i,
      })),
    );

    // Updating the config rewrites the rows; other updates leave them alone.
    const updated = ok(await mutate(owner, "feed.update", {
      feedId: created.id,
      algorithmConfig: {
        filters: [
          { type: "engagement", operator: "greater_than", value: { metric: "comments", value: 3 }, groupId: 4, logicalOperator: "NOT" },
          { type: "date_range", operator: "less_than", value: "2024-06-01" },
        ],
      },
    }));
    expect(updated.algorithmConfig).toEqual({
      filters: [
        { type: "engagement", operator: "greater_than", value: { metric: "comments", value: 3 }, groupId: 4, logicalOperator: "NOT" },
        { type: "date_range", operator: "less_than", value: "2024-06-01", groupId: 0, logicalOperator: "AND" },
      ],
      logic: "AND",
      sort: "recent",
    });
    const rows = [
      { type: "engagement", operator: "greater_than", value: { metric: "comments", value: 3 }, group_id: 4, logical_operator: "NOT", display_order: 0 },
      { type: "date_range", operator: "less_than", value: "2024-06-01", group_id: 0, logical_operator: "AND", display_order: 1 },
    ];
    expect(await filterRows(created.id)).toEqual(rows);
    const renamed = ok(await mutate(owner, "feed.update", { feedId: created.id, name: "Renamed", description: null }));
    expect(renamed).toMatchObject({ name: "Renamed", description: null, algorithmConfig: updated.algorithmConfig });
    expect(await filterRows(created.id)).toEqual(rows);
  });

  test("list, reorder, isDefault, delete — owner only: another user's feed is NOT_FOUND and stays unchanged", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const intruder = await createUserWithToken(ctx.t.sql);
    const f1 = await createFeed(owner, [MATCH_ALL], {});
    const f2 = await createFeed(owner, [MATCH_ALL]);
    const f3 = await createFeed(owner, [MATCH_ALL]);
    const theirs = await createFeed(intruder, [MATCH_ALL]);
    const list = async (u: Authed) => (ok(await query(u, "feed.list")) as { id: string }[]).map((f) => f.id);
    expect(await list(owner)).toEqual([f1.id, f2.id, f3.id]);
    expect(await list(intruder)).toEqual([theirs.id]);

    const reordered = ok(await mutate(owner, "feed.reorder", { feedIds: [f3.id, f1.id] }));
    expect(reordered.map((f: { id: string; displayOrder: number }) => [f.id, f.displayOrder])).toEqual([[f3.id, 0], [f1.id, 1], [f2.id, 2]]);
    expect(await list(owner)).toEqual([f3.id, f1.id, f2.id]);
    // A foreign id anywhere in the list: NOT_FOUND, and no order changes.
    expectError(await mutate(owner, "feed.reorder", { feedIds: [f2.id, theirs.id] }), "NOT_FOUND", 404);
    expect(await list(owner)).toEqual([f3.id, f1.id, f2.id]);
    expectError(await mutate(owner, "feed.reorder", { feedIds: [f2.id, f2.id] }), "BAD_REQUEST", 400);

    // Only one default feed.
    ok(await mutate(owner, "feed.update", { feedId: f1.id, isDefault: true }));
    ok(await mutate(owner, "feed.update", { feedId: f2.id, isDefault: true }));
    const defaults = (ok(await query(owner, "feed.list")) as { id: string; isDefault: boolean }[]).filter((f) => f.isDefault).map((f) => f.id);
    expect(defaults).toEqual([f2.id]);

    const before = await ctx.t.sql`SELECT name, algorithm_config, display_order FROM custom_feeds WHERE id = ${f1.id}`;
    const filtersBefore = await filterRows(f1.id);
    expectError(await mutate(intruder, "feed.update", { feedId: f1.id, name: "pwned", algorithmConfig: { filters: [{ type: "tag", operator: "equals", value: "x" }] } }), "NOT_FOUND", 404);
    expectError(await mutate(intruder, "feed.delete", { feedId: f1.id }), "NOT_FOUND", 404);
    expectError(await mutate(intruder, "feed.reorder", { feedIds: [f1.id] }), "NOT_FOUND", 404);
    expectError(await mutate(null, "feed.delete", { feedId: f1.id }), "UNAUTHORIZED", 401);
    expect(await ctx.t.sql`SELECT name, algorithm_config, display_order FROM custom_feeds WHERE id = ${f1.id}`).toEqual(before);
    expect(await filterRows(f1.id)).toEqual(filtersBefore);

    expect(ok(await mutate(owner, "feed.delete", { feedId: f1.id }))).toEqual({ deleted: true });
    expect(await list(owner)).toEqual([f3.id, f2.id]);
    expect(await filterRows(f1.id)).toEqual([]);
    expectError(await query(owner, "feed.execute", { feedId: f1.id }), "NOT_FOUND", 404);
    expectError(await mutate(owner, "feed.delete", { feedId: f1.id }), "NOT_FOUND", 404);
  });

  test("a duplicate name is CONFLICT FEED_NAME_TAKEN (create and rename); another owner may reuse it", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const other = await createUserWithToken(ctx.t.sql);
    const first = ok(await mutate(owner, "feed.create", { name: "News", algorithmConfig: { filters: [MATCH_ALL] } }));
    const dup = await mutate(owner, "feed.create", { name: " News ", algorithmConfig: { filters: [MATCH_ALL] } });
    expectError(dup, "CONFLICT", 409, "FEED_NAME_TAKEN");
    expect(dup.body.error.data.field).toBe("name");
    ok(await mutate(other, "feed.create", { name: "News", algorithmConfig: { filters: [MATCH_ALL] } }));
    const second = ok(await mutate(owner, "feed.create", { name: "Sports", algorithmConfig: { filters: [MATCH_ALL] } }));
    expectError(await mutate(owner, "feed.update", { feedId: second.id, name: "News" }), "CONFLICT", 409, "FEED_NAME_TAKEN");
    expect((await ctx.t.sql`SELECT id, name FROM custom_feeds WHERE user_id = ${owner.id} ORDER BY id`).map((f) => f.name)).toEqual(["News", "Sports"]);
    expect(first.name).toBe("News");
  });

  test("validation: unknown type/operator, operator not fitting the type, bad values — BAD_REQUEST naming the field", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const bad = async (config: unknown) => {
      const res = await mutate(owner, "feed.create", { name: `bad ${++seq}`, algorithmConfig: config });
      expectError(res, "BAD_REQUEST", 400);
      return res.body.error as { message: string; data: { field: string } };
    };
    let e = await bad({ filters: [{ type: "sentiment", operator: "equals", value: "happy" }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.type");
    e = await bad({ filters: [MATCH_ALL, { type: "tag", operator: "like", value: "x" }] });
    expect(e.data.field).toBe("algorithmConfig.filters.1.operator");
    expect(e.message).toContain('Operator "like" does not fit filter type "tag"');
    e = await bad({ filters: [{ type: "tag", operator: "greater_than", value: "x" }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.operator");
    expect(e.message).toContain('Operator "greater_than" does not fit filter type "tag"');
    e = await bad({ filters: [{ type: "engagement", operator: "contains", value: { value: 1 } }] });
    expect(e.message).toContain('Operator "contains" does not fit filter type "engagement"');
    e = await bad({ filters: [{ type: "date_range", operator: "equals", value: "2024-01-01" }] });
    expect(e.message).toContain('Operator "equals" does not fit filter type "date_range"');
    e = await bad({ filters: [{ type: "tag", operator: "equals", value: "x", logicalOperator: "XOR" }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.logicalOperator");
    e = await bad({ filters: [{ type: "engagement", operator: "greater_than", value: { metric: "views", value: 1 } }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.value.metric");
    e = await bad({ filters: [{ type: "engagement", operator: "in_range", value: { min: 5, max: 1 } }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.value");
    e = await bad({ filters: [{ type: "date_range", operator: "greater_than", value: "yesterday" }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.value");
    e = await bad({ filters: [{ type: "date_range", operator: "in_range", value: {} }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.value");
    e = await bad({ filters: [{ type: "post_type", operator: "equals", value: "podcast" }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.value");
    e = await bad({ filters: [{ type: "tag", operator: "equals", value: "x", extra: true }] });
    expect(e.data.field).toBe("algorithmConfig.filters.0.extra");
    e = await bad({ filters: [MATCH_ALL], sort: "random" });
    expect(e.data.field).toBe("algorithmConfig.sort");
    e = await bad({ filters: [] });
    expect(e.data.field).toBe("algorithmConfig.filters");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM custom_feeds WHERE user_id = ${owner.id}`)[0]!.n).toBe(0);
  });

  test("cost limits: 21 filters or more than 100 values in a contains list are BAD_REQUEST (20 and 100 pass)", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const tag = { type: "tag", operator: "equals", value: "x" };
    const twentyOne = await mutate(owner, "feed.create", { name: "big", algorithmConfig: { filters: Array(21).fill(tag) } });
    expectError(twentyOne, "BAD_REQUEST", 400);
    expect(twentyOne.body.error.data.field).toBe("algorithmConfig.filters");
    expect(twentyOne.body.error.message).toContain("At most 20 filters");
    ok(await mutate(owner, "feed.create", { name: "twenty", algorithmConfig: { filters: Array(20).fill(tag) } }));

    const tags = (n: number) => Array.from({ length: n }, (_, i) => `tag${i}`);
    const authors = (n: number) => Array.from({ length: n }, (_, i) => String(1000 + i));
    for (const filter of [
      { type: "tag", operator: "contains", value: tags(101) },
      { type: "author", operator: "contains", value: authors(101) },
    ]) {
      const res = await mutate(owner, "feed.create", { name: `many ${++seq}`, algorithmConfig: { filters: [filter] } });
      expectError(res, "BAD_REQUEST", 400);
      expect(res.body.error.data.field).toBe("algorithmConfig.filters.0.value");
    }
    ok(await mutate(owner, "feed.create", { name: "hundred tags", algorithmConfig: { filters: [{ type: "tag", operator: "contains", value: tags(100) }] } }));
    ok(await mutate(owner, "feed.create", { name: "hundred authors", algorithmConfig: { filters: [{ type: "author", operator: "contains", value: authors(100) }] } }));
    // The same limits hold on update.
    const feed = await createFeed(owner, [tag]);
    expectError(await mutate(owner, "feed.update", { feedId: feed.id, algorithmConfig: { filters: Array(21).fill(tag) } }), "BAD_REQUEST", 400);
    expect(await filterRows(feed.id)).toHaveLength(1);
  });

  test("injection strings as tag values and author ids are rejected by validation; names are stored literally; the posts table is intact", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const author = await createUser(ctx.t.sql);
    const kept = await createPost(ctx.t.sql, author.id);
    const countPosts = async () => (await ctx.t.sql`SELECT count(*)::int AS n FROM posts`)[0]!.n as number;
    const before = await countPosts();
    const attacks = ["' OR 1=1 --", "$1", '"; DROP TABLE posts; --', "1; DELETE FROM posts", "1 OR 1=1"];
    for (const attack of attacks) {
      for (const filter of [
        { type: "tag", operator: "equals", value: attack },
        { type: "tag", operator: "contains", value: ["ok", attack] },
        { type: "author", operator: "equals", value: attack },
        { type: "author", operator: "not_equals", value: attack },
        { type: "author", operator: "contains", value: [author.id, attack] },
      ]) {
        const res = await mutate(owner, "feed.create", { name: `inj ${++seq}`, algorithmConfig: { filters: [filter] } });
        expectError(res, "BAD_REQUEST", 400);
        expect(res.body.error.data.field).toMatch(/^algorithmConfig\.filters\.0\.value/);
      }
      expectError(await query(owner, "feed.execute", { feedId: attack }), "BAD_REQUEST", 400);
    }
    // A name or description is data, never SQL.
    const named = ok(await mutate(owner, "feed.create", {
      name: '"; DROP TABLE posts; --', description: "' OR 1=1 --", algorithmConfig: { filters: [{ type: "author", operator: "equals", value: author.id }] },
    }));
    expect(named).toMatchObject({ name: '"; DROP TABLE posts; --', description: "' OR 1=1 --" });
    expect(ids(await execute(owner, named.id))).toEqual([kept.id]);

    // A stored config that never went through validation (older version, manual edit) is re-validated
    // before it reaches SQL.
    const forged = { filters: [{ type: "tag", operator: "equals", value: "' OR 1=1 --", groupId: 0, logicalOperator: "AND" }], logic: "AND", sort: "recent" };
    await ctx.t.sql`UPDATE custom_feeds SET algorithm_config = ${JSON.stringify(forged)}::jsonb WHERE id = ${named.id}`;
    const stale = await query(owner, "feed.execute", { feedId: named.id });
    expectError(stale, "BAD_REQUEST", 400, "INVALID_FEED_CONFIG");
    expect(await countPosts()).toBe(before);
    expect((await ctx.t.sql`SELECT to_regclass('public.posts') IS NOT NULL AS ok`)[0]!.ok).toBe(true);
  });

  test("execution applies the viewer's visibility: followers-only, blocked, muted and suspended authors; drafts", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const pub = await createUser(ctx.t.sql);
    const closed = await createUser(ctx.t.sql, { visibility: "followers" });
    const blocker = await createUser(ctx.t.sql);
    const muted = await createUser(ctx.t.sql);
    const sus = await createUser(ctx.t.sql);
    await follow(ctx.t.sql, owner.id, closed.id);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blocker.id}, ${viewer.id})`;
    await ctx.t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${viewer.id}, ${muted.id})`;
    const pp = await createPost(ctx.t.sql, pub.id, { createdAt: ago(5 * MINUTE) });
    const cp = await createPost(ctx.t.sql, closed.id, { createdAt: ago(4 * MINUTE) });
    const bp = await createPost(ctx.t.sql, blocker.id, { createdAt: ago(3 * MINUTE) });
    const mp = await createPost(ctx.t.sql, muted.id, { createdAt: ago(2 * MINUTE) });
    await createPost(ctx.t.sql, sus.id, { createdAt: ago(1 * MINUTE) });
    await createPost(ctx.t.sql, pub.id, { status: "draft" });
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${sus.id}`;
    const feed = await createFeed(owner, [{ type: "author", operator: "contains", value: [pub.id, closed.id, blocker.id, muted.id, sus.id] }]);

    expect(ids(await execute(owner, feed.id))).toEqual([mp.id, bp.id, cp.id, pp.id]);
    expect(ids(await execute(viewer, feed.id))).toEqual([pp.id]);
    expect(ids(await execute(null, feed.id))).toEqual([mp.id, bp.id, pp.id]);
    // Hydration re-checks visibility after the (cached) id list: a block made now shows at once.
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${owner.id}, ${muted.id})`;
    expect(ids(await execute(owner, feed.id))).toEqual([bp.id, cp.id, pp.id]);
  });

  test("another user's feed runs when its owner's profile is visible; NOT_FOUND when private, blocked, suspended or unknown", async () => {
    const viewer = await createUserWithToken(ctx.t.sql);
    const author = await createUser(ctx.t.sql);
    const post = await createPost(ctx.t.sql, author.id);
    const filters = [{ type: "author", operator: "equals", value: author.id }];
    const publicOwner = await createUserWithToken(ctx.t.sql);
    const privateOwner = await createUserWithToken(ctx.t.sql, { visibility: "private" });
    const closedOwner = await createUserWithToken(ctx.t.sql, { visibility: "followers" });
    const blockingOwner = await createUserWithToken(ctx.t.sql);
    const suspendedOwner = await createUserWithToken(ctx.t.sql);
    const [fPub, fPriv, fClosed, fBlock, fSus] = [
      await createFeed(publicOwner, filters), await createFeed(privateOwner, filters), await createFeed(closedOwner, filters),
      await createFeed(blockingOwner, filters), await createFeed(suspendedOwner, filters),
    ];
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blockingOwner.id}, ${viewer.id})`;
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspendedOwner.id}`;

    expect(ids(await execute(viewer, fPub.id))).toEqual([post.id]);
    expect(ids(await execute(null, fPub.id))).toEqual([post.id]);
    expect(ids(await execute(privateOwner, fPriv.id))).toEqual([post.id]);
    for (const [user, feed] of [[viewer, fPriv], [null, fPriv], [viewer, fClosed], [null, fClosed], [viewer, fBlock], [viewer, fSus], [null, fSus]] as const) {
      expectError(await query(user, "feed.execute", { feedId: feed.id }), "NOT_FOUND", 404);
    }
    expectError(await query(viewer, "feed.execute", { feedId: "99999999" }), "NOT_FOUND", 404);
    await follow(ctx.t.sql, viewer.id, closedOwner.id);
    expect(ids(await execute(viewer, fClosed.id))).toEqual([post.id]);
  });

  test("cache: a config change shows on the very next execute, for the owner and for other viewers; a deleted post vanishes", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const author = await createUserWithToken(ctx.t.sql);
    const alpha = ok(await mutate(author, "post.create", { type: "text_short", content: "about #alpha" }));
    const beta = ok(await mutate(author, "post.create", { type: "text_short", content: "about #beta" }));
    const feed = await createFeed(owner, [{ type: "tag", operator: "equals", value: "alpha" }]);
    expect(ids(await execute(owner, feed.id))).toEqual([alpha.id]);
    expect(ids(await execute(viewer, feed.id))).toEqual([alpha.id]);
    // Cached: a matching row written behind the API's back does not show yet…
    const late = await createPost(ctx.t.sql, author.id);
    await ctx.t.sql`INSERT INTO post_tags (post_id, tag) VALUES (${late.id}, 'alpha')`;
    expect(ids(await execute(owner, feed.id))).toEqual([alpha.id]);
    // …but a config change does, at once.
    ok(await mutate(owner, "feed.update", { feedId: feed.id, algorithmConfig: { filters: [{ type: "tag", operator: "equals", value: "beta" }] } }));
    expect(ids(await execute(owner, feed.id))).toEqual([beta.id]);
    expect(ids(await execute(viewer, feed.id))).toEqual([beta.id]);
    ok(await mutate(owner, "feed.update", { feedId: feed.id, algorithmConfig: { filters: [{ type: "tag", operator: "contains", value: ["alpha", "beta"] }] } }));
    expect(ids(await execute(viewer, feed.id))).toEqual([late.id, beta.id, alpha.id]);
    ok(await mutate(author, "post.delete", { postId: beta.id }));
    expect(ids(await execute(viewer, feed.id))).toEqual([late.id, alpha.id]);
    ok(await mutate(owner, "feed.delete", { feedId: feed.id }));
    expectError(await query(viewer, "feed.execute", { feedId: feed.id }), "NOT_FOUND", 404);
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("custom feeds: execution of every filter type, operator, group and sort", () => {
  const ctx = useServer();
  let owner: Authed;
  let viewer: Authed;
  let lateOwner: Authed; // created last: the higher id of each of its friendships (user_id_2)
  const u: Record<string, TestUser> = {};
  const post: Record<string, TestPost> = {};
  let seq = 0;

  beforeAll(async () => {
    const { t } = ctx;
    owner = await createUserWithToken(t.sql);
    viewer = await createUserWithToken(t.sql);
    u.friend = await createUser(t.sql); // mutual follow with the owner
    u.followed = await createUser(t.sql); // the owner follows them
    u.stranger = await createUser(t.sql); // no relation to the owner; the viewer follows them
    await follow(t.sql, owner.id, u.friend.id);
    await follow(t.sql, u.friend.id, owner.id);
    await follow(t.sql, owner.id, u.followed.id);
    await follow(t.sql, viewer.id, u.stranger.id);
    await follow(t.sql, viewer.id, u.friend.id); // the viewer's own relations must not matter
    // label, author, type, tags, age, likes, comments, reposts (created in this order: ids ascend)
    const spec: [string, TestUser, string, string[], number, number, number, number][] = [
      ["p6", u.stranger, "video_short", ["cats"], 40 * DAY, 7, 0, 0],
      ["p5", u.stranger, "text_short", ["birds"], 10 * DAY, 2, 2, 2],
      ["p4", u.followed, "text_long", [], 3 * DAY, 10, 1, 1],
      ["p3", u.followed, "gif", ["cats", "dogs"], 3 * HOUR, 0, 0, 4],
      ["p2", u.friend, "image", ["dogs"], 2 * HOUR, 1, 3, 0],
      ["p1", u.friend, "text_short", ["cats"], 1 * HOUR, 8, 0, 0],
      ["p7", owner, "text_short", ["dogs"], 30 * MINUTE, 0, 0, 0],
    ];
    for (const [label, author, type, tags, age, likes, comments, reposts] of spec) {
      const row = await createPost(t.sql, author.id, { type, createdAt: ago(age) });
      await t.sql`UPDATE posts SET likes_count = ${likes}, comments_count = ${comments}, reposts_count = ${reposts} WHERE id = ${row.id}`;
      for (const tag of tags) await t.sql`INSERT INTO post_tags (post_id, tag) VALUES (${row.id}, ${tag})`;
      post[label] = row;
    }
    lateOwner = await createUserWithToken(t.sql);
    await follow(t.sql, lateOwner.id, u.stranger.id);
    await follow(t.sql, u.stranger.id, lateOwner.id);
    await follow(t.sql, lateOwner.id, u.followed.id);
    // Never shown: a draft and a deleted post that match most filters.
    const draft = await createPost(t.sql, u.stranger.id, { type: "image", status: "draft", createdAt: ago(20 * MINUTE) });
    const deleted = await createPost(t.sql, u.stranger.id, { type: "image", createdAt: ago(20 * MINUTE) });
    await t.sql`UPDATE posts SET deleted_at = NOW(), likes_count = 50 WHERE id = ${deleted.id}`;
    for (const row of [draft, deleted]) await t.sql`INSERT INTO post_tags (post_id, tag) VALUES (${row.id}, 'cats'), (${row.id}, 'dogs'), (${row.id}, 'birds')`;
  });

  const labels = (...names: string[]) => names.map((n) => post[n]!.id);

  /** Creates a feed owned by `owner`, runs it as `as`, deletes it; returns the post ids. */
  async function run(
    filters: unknown[],
    opts: { logic?: "AND" | "OR"; sort?: string; as?: Authed | null; limit?: number; owner?: Authed } = {},
  ): Promise<string[]> {
    const feedOwner = opts.owner ?? owner;
    const created = await rpc(ctx.s.url, "feed.create", {
      name: `f${++seq}`, algorithmConfig: { filters, ...(opts.logic ? { logic: opts.logic } : {}), ...(opts.sort ? { sort: opts.sort } : {}) },
    }, { token: feedOwner.token });
    const feed = ok(created);
    try {
      const as = opts.as === undefined ? owner : opts.as;
      const page = postsOf(ok(await rpc(ctx.s.url, "feed.execute", { feedId: feed.id, limit: opts.limit ?? 100 }, { method: "GET", token: as?.token })));
      expect(page.nextCursor).toBeNull();
      return ids(page);
    } finally {
      ok(await rpc(ctx.s.url, "feed.delete", { feedId: feed.id }, { token: feedOwner.token }));
    }
  }

  /** Walks a feed `limit` at a time; returns the ids in order. */
  async function walk(feedId: string, limit: number, as: Authed | null = owner): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = postsOf(ok(await rpc(ctx.s.url, "feed.execute", { feedId, limit, cursor }, { method: "GET", token: as?.token })));
      expect(page.items.length).toBeLessThanOrEqual(limit);
      out.push(...ids(page));
      if (!page.nextCursor) return out;
      cursor = page.nextCursor;
    }
    throw new Error("pagination did not terminate");
  }

  test("post_type: equals, not_equals, contains", async () => {
    expect(await run([{ type: "post_type", operator: "equals", value: "text_short" }])).toEqual(labels("p7", "p1", "p5"));
    expect(await run([{ type: "post_type", operator: "not_equals", value: "text_short" }])).toEqual(labels("p2", "p3", "p4", "p6"));
    expect(await run([{ type: "post_type", operator: "contains", value: ["image", "gif"] }])).toEqual(labels("p2", "p3"));
    expect(await run([MATCH_ALL])).toEqual(labels("p7", "p1", "p2", "p3", "p4", "p5", "p6"));
  });

  test("author: equals / not_equals / contains an id", async () => {
    expect(await run([{ type: "author", operator: "equals", value: u.friend!.id }])).toEqual(labels("p1", "p2"));
    expect(await run([{ type: "author", operator: "not_equals", value: u.friend!.id }])).toEqual(labels("p7", "p3", "p4", "p5", "p6"));
    expect(await run([{ type: "author", operator: "contains", value: [u.followed!.id, u.stranger!.id] }])).toEqual(labels("p3", "p4", "p5", "p6"));
    expect(await run([{ type: "author", operator: "equals", value: "999999999" }])).toEqual([]);
  });

  test("author: \"friends\" and \"following\" are relative to the feed's owner, whoever runs it", async () => {
    expect(await run([{ type: "author", operator: "equals", value: "friends" }])).toEqual(labels("p1", "p2"));
    expect(await run([{ type: "author", operator: "equals", value: "following" }])).toEqual(labels("p1", "p2", "p3", "p4"));
    expect(await run([{ type: "author", operator: "not_equals", value: "following" }])).toEqual(labels("p7", "p5", "p6"));
    expect(await run([{ type: "author", operator: "not_equals", value: "friends" }])).toEqual(labels("p7", "p3", "p4", "p5", "p6"));
    expect(await run([{ type: "author", operator: "contains", value: ["friends", u.stranger!.id] }])).toEqual(labels("p1", "p2", "p5", "p6"));
    // The viewer follows the stranger and the friend, the owner does not follow the stranger.
    expect(await run([{ type: "author", operator: "equals", value: "following" }], { as: viewer })).toEqual(labels("p1", "p2", "p3", "p4"));
    expect(await run([{ type: "author", operator: "equals", value: "friends" }], { as: viewer })).toEqual(labels("p1", "p2"));
    expect(await run([{ type: "author", operator: "equals", value: "following" }], { as: null })).toEqual(labels("p1", "p2", "p3", "p4"));
    // An owner on the other side of the friendship rows (user_id_2): same semantics.
    expect(await run([{ type: "author", operator: "equals", value: "friends" }], { owner: lateOwner })).toEqual(labels("p5", "p6"));
    expect(await run([{ type: "author", operator: "equals", value: "following" }], { owner: lateOwner, as: owner })).toEqual(labels("p3", "p4", "p5", "p6"));
    expect(await run([{ type: "author", operator: "not_equals", value: "friends" }], { owner: lateOwner })).toEqual(labels("p7", "p1", "p2", "p3", "p4"));
  });

  test("tag: equals (normalized), not_equals, contains", async () => {
    expect(await run([{ type: "tag", operator: "equals", value: "#Cats" }])).toEqual(labels("p1", "p3", "p6"));
    expect(await run([{ type: "tag", operator: "not_equals", value: "cats" }])).toEqual(labels("p7", "p2", "p4", "p5"));
    expect(await run([{ type: "tag", operator: "contains", value: ["dogs", "birds"] }])).toEqual(labels("p7", "p2", "p3", "p5"));
    expect(await run([{ type: "tag", operator: "equals", value: "fish" }])).toEqual([]);
  });

  test("date_range: in_range (absolute, relative, open-ended), greater_than, less_than", async () => {
    const iso = (ms: number) => ago(ms).toISOString();
    const dateOnly = (ms: number) => iso(ms).slice(0, 10);
    expect(await run([{ type: "date_range", operator: "in_range", value: { start: iso(4 * DAY), end: iso(90 * MINUTE) } }])).toEqual(labels("p2", "p3", "p4"));
    expect(await run([{ type: "date_range", operator: "in_range", value: { start: { lastDays: 7 } } }])).toEqual(labels("p7", "p1", "p2", "p3", "p4"));
    expect(await run([{ type: "date_range", operator: "in_range", value: { end: { lastDays: 5 } } }])).toEqual(labels("p5", "p6"));
    expect(await run([{ type: "date_range", operator: "in_range", value: { start: { lastDays: 30 }, end: iso(DAY) } }])).toEqual(labels("p4", "p5"));
    expect(await run([{ type: "date_range", operator: "greater_than", value: { lastDays: 1 } }])).toEqual(labels("p7", "p1", "p2", "p3"));
    expect(await run([{ type: "date_range", operator: "greater_than", value: dateOnly(20 * DAY) }])).toEqual(labels("p7", "p1", "p2", "p3", "p4", "p5"));
    expect(await run([{ type: "date_range", operator: "less_than", value: iso(5 * DAY) }])).toEqual(labels("p5", "p6"));
    expect(await run([{ type: "date_range", operator: "less_than", value: { lastDays: 20 } }])).toEqual(labels("p6"));
  });

  test("date_range follows published_at (set via SQL), not created_at", async () => {
    await ctx.t.sql`UPDATE posts SET published_at = ${ago(60 * DAY).toISOString()} WHERE id = ${post.p7!.id}`;
    try {
      expect(await run([{ type: "date_range", operator: "less_than", value: { lastDays: 20 } }])).toEqual(labels("p7", "p6"));
      expect(await run([{ type: "date_range", operator: "greater_than", value: { lastDays: 1 } }])).toEqual(labels("p1", "p2", "p3"));
      expect(await run([{ type: "date_range", operator: "in_range", value: { start: { lastDays: 90 }, end: { lastDays: 30 } } }])).toEqual(labels("p7", "p6"));
      expect(await run([{ type: "date_range", operator: "in_range", value: { start: { lastDays: 7 } } }])).toEqual(labels("p1", "p2", "p3", "p4"));
    } finally {
      await ctx.t.sql`UPDATE posts SET published_at = created_at WHERE id = ${post.p7!.id}`;
    }
  });

  test("engagement: greater_than, less_than, equals, in_range over likes, comments, reposts, total", async () => {
    const eng = (operator: string, value: unknown) => [{ type: "engagement", operator, value }];
    expect(await run(eng("greater_than", { metric: "likes", value: 4 }))).toEqual(labels("p1", "p4", "p6"));
    expect(await run(eng("greater_than", { value: 7 }))).toEqual(labels("p1", "p4")); // metric defaults to likes
    expect(await run(eng("less_than", { metric: "comments", value: 1 }))).toEqual(labels("p7", "p1", "p3", "p6"));
    expect(await run(eng("equals", { metric: "reposts", value: 2 }))).toEqual(labels("p5"));
    expect(await run(eng("greater_than", { metric: "reposts", value: 0 }))).toEqual(labels("p3", "p4", "p5"));
    expect(await run(eng("equals", { value: 0 }))).toEqual(labels("p7", "p3"));
    expect(await run(eng("in_range", { metric: "likes", min: 1, max: 2 }))).toEqual(labels("p2", "p5"));
    // total = likes + comments + reposts: p1 8, p2 4, p3 4, p4 12, p5 6, p6 7, p7 0
    expect(await run(eng("in_range", { metric: "total", min: 5, max: 10 }))).toEqual(labels("p1", "p5", "p6"));
    expect(await run(eng("equals", { metric: "total", value: 4 }))).toEqual(labels("p2", "p3"));
    expect(await run(eng("less_than", { metric: "total", value: 4 }))).toEqual(labels("p7"));
    expect(await run(eng("greater_than", { metric: "total", value: 11 }))).toEqual(labels("p4"));
  });

  test("groups: AND / OR between groups, left-to-right folding inside a group, NOT", async () => {
    // (cats) AND (not text_short)
    expect(await run([
      { type: "tag", operator: "equals", value: "cats", groupId: 0 },
      { type: "post_type", operator: "not_equals", value: "text_short", groupId: 1 },
    ])).toEqual(labels("p3", "p6"));
    // (stranger) OR (dogs)
    expect(await run([
      { type: "author", operator: "equals", value: u.stranger!.id, groupId: 0 },
      { type: "tag", operator: "equals", value: "dogs", groupId: 1 },
    ], { logic: "OR" })).toEqual(labels("p7", "p2", "p3", "p5", "p6"));
    // ((image OR cats) AND NOT stranger)
    expect(await run([
      { type: "post_type", operator: "equals", value: "image" },
      { type: "tag", operator: "equals", value: "cats", logicalOperator: "OR" },
      { type: "author", operator: "equals", value: u.stranger!.id, logicalOperator: "NOT" },
    ])).toEqual(labels("p1", "p2", "p3"));
    // Left fold, no precedence: ((stranger OR dogs) AND last 7 days), not stranger OR (dogs AND last 7 days).
    expect(await run([
      { type: "author", operator: "equals", value: u.stranger!.id },
      { type: "tag", operator: "equals", value: "dogs", logicalOperator: "OR" },
      { type: "date_range", operator: "greater_than", value: { lastDays: 7 }, logicalOperator: "AND" },
    ])).toEqual(labels("p7", "p2", "p3"));
    // NOT on a group's first filter negates it: (NOT cats) AND (likes > 0)
    expect(await run([
      { type: "tag", operator: "equals", value: "cats", groupId: 0, logicalOperator: "NOT" },
      { type: "engagement", operator: "greater_than", value: { value: 0 }, groupId: 1 },
    ])).toEqual(labels("p2", "p4", "p5"));
    // (birds) OR (NOT one of text_short, text_long, image)
    expect(await run([
      { type: "tag", operator: "equals", value: "birds", groupId: 0 },
      { type: "post_type", operator: "contains", value: ["text_short", "text_long", "image"], groupId: 1, logicalOperator: "NOT" },
    ], { logic: "OR" })).toEqual(labels("p3", "p5", "p6"));
    // Groups are formed by groupId, not by position: (stranger) AND (dogs OR birds)
    expect(await run([
      { type: "tag", operator: "equals", value: "dogs", groupId: 1 },
      { type: "author", operator: "equals", value: u.stranger!.id, groupId: 0 },
      { type: "tag", operator: "equals", value: "birds", groupId: 1, logicalOperator: "OR" },
    ])).toEqual(labels("p5"));
    // A lone OR starting a group does nothing special: (OR cats) AND (image) = cats AND image
    expect(await run([
      { type: "tag", operator: "equals", value: "cats", groupId: 3, logicalOperator: "OR" },
      { type: "post_type", operator: "equals", value: "gif", groupId: 5 },
    ])).toEqual(labels("p3"));
  });

  test("sort recent (created_at, id) with cursor paging", async () => {
    const feed = ok(await rpc(ctx.s.url, "feed.create", { name: "recent", algorithmConfig: { filters: [MATCH_ALL], sort: "recent" } }, { token: owner.token }));
    const expected = labels("p7", "p1", "p2", "p3", "p4", "p5", "p6");
    expect(await walk(feed.id, 100)).toEqual(expected);
    expect(await walk(feed.id, 2)).toEqual(expected);
    expect(await walk(feed.id, 3, viewer)).toEqual(expected);
    // A post created after the first page belongs before it: later pages do not shift.
    const first = postsOf(ok(await rpc(ctx.s.url, "feed.execute", { feedId: feed.id, limit: 2 }, { method: "GET", token: viewer.token })));
    const newer = await createPost(ctx.t.sql, u.friend!.id);
    const second = postsOf(ok(await rpc(ctx.s.url, "feed.execute", { feedId: feed.id, limit: 2, cursor: first.nextCursor }, { method: "GET", token: viewer.token })));
    expect([...ids(first), ...ids(second)]).toEqual(expected.slice(0, 4));
    await ctx.t.sql`DELETE FROM posts WHERE id = ${newer.id}`;
    ok(await rpc(ctx.s.url, "feed.delete", { feedId: feed.id }, { token: owner.token }));
  });

  test("sort popular (likes, then id) with cursor paging", async () => {
    const feed = ok(await rpc(ctx.s.url, "feed.create", { name: "popular", algorithmConfig: { filters: [MATCH_ALL], sort: "popular" } }, { token: owner.token }));
    // likes: p4 10, p1 8, p6 7, p5 2, p2 1, p7 0 / p3 0 (newer id first)
    const expected = labels("p4", "p1", "p6", "p5", "p2", "p7", "p3");
    expect(await walk(feed.id, 100)).toEqual(expected);
    expect(await walk(feed.id, 2)).toEqual(expected);
    expect(await walk(feed.id, 1, null)).toEqual(expected);
    ok(await rpc(ctx.s.url, "feed.delete", { feedId: feed.id }, { token: owner.token }));
  });

  test("sort engagement (decayed score over the last 7 days) with cursor paging", async () => {
    const feed = ok(await rpc(ctx.s.url, "feed.create", { name: "engagement", algorithmConfig: { filters: [MATCH_ALL], sort: "engagement" } }, { token: owner.token }));
    // (likes + 2·comments + 3·reposts + 1) / (hours + 2)^1.5:
    // p1 9/3^1.5 ≈ 1.73, p3 13/5^1.5 ≈ 1.16, p2 8/4^1.5 = 1.00, p7 1/2.5^1.5 ≈ 0.25, p4 16/74^1.5 ≈ 0.03; p5, p6 too old
    const expected = labels("p1", "p3", "p2", "p7", "p4");
    expect(await walk(feed.id, 100)).toEqual(expected);
    expect(await walk(feed.id, 2)).toEqual(expected);
    expect(await walk(feed.id, 1, viewer)).toEqual(expected);
    ok(await rpc(ctx.s.url, "feed.delete", { feedId: feed.id }, { token: owner.token }));
  });

  test("sorts combine with filters; a forged cursor is BAD_REQUEST", async () => {
    expect(await run([{ type: "tag", operator: "contains", value: ["cats", "dogs"] }], { sort: "popular" })).toEqual(labels("p1", "p6", "p2", "p7", "p3"));
    expect(await run([{ type: "tag", operator: "contains", value: ["cats", "dogs"] }], { sort: "engagement" })).toEqual(labels("p1", "p3", "p2", "p7"));
    const feed = ok(await rpc(ctx.s.url, "feed.create", { name: "cursor", algorithmConfig: { filters: [MATCH_ALL] } }, { token: owner.token }));
    const forged = await rpc(ctx.s.url, "feed.execute", { feedId: feed.id, cursor: Buffer.from("[1]").toString("base64url") }, { method: "GET", token: owner.token });
    expectError(forged, "BAD_REQUEST", 400, "INVALID_CURSOR");
    ok(await rpc(ctx.s.url, "feed.delete", { feedId: feed.id }, { token: owner.token }));
  });
});
