// notification.grouped (issue 18, part 4): likes and reposts per post and follows per recipient
// group while they keep coming (a group closes after 24 h without a new one); everything else is a
// group of one. Counts, latest actors, unread state, windows, keyset pages (no group split or
// repeated), hidden actors (blocked, suspended), markGroupRead, authorization.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { block, createPost, createUser } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, useServer, walkPages } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);

const HOUR = 3_600_000;
/** A notification row as notify() would write it, at a chosen time (ISO string: see factories.ts). */
async function notif(recipient: string, type: string, actorId: string | null, opts: { postId?: string; at?: Date; read?: boolean } = {}): Promise<string> {
  const [row] = await ctx.t.sql<{ id: string }[]>`
    INSERT INTO notifications (user_id, type, actor_id, post_id, title, action_url, is_read, created_at)
    VALUES (${recipient}, ${type}, ${actorId}, ${opts.postId ?? null}, ${`${type} title`}, ${opts.postId ? `/posts/${opts.postId}` : null},
            ${opts.read ?? false}, ${(opts.at ?? new Date()).toISOString()})
    RETURNING id`;
  return row!.id;
}
const grouped = async (u: Authed, input: Record<string, unknown> = {}) => ok(await query(u, "notification.grouped", { limit: 100, ...input }));
const actorsOf = (n: number) => Promise.all(Array.from({ length: n }, () => createUser(ctx.t.sql)));

describe("notification.grouped", () => {
  test("likes and reposts group per post, follows per recipient; other types stay alone; newest first", async () => {
    const me = await user();
    const p1 = await createPost(ctx.t.sql, me.id);
    const p2 = await createPost(ctx.t.sql, me.id);
    const likers = await actorsOf(5);
    const t0 = Date.now() - 10 * HOUR;
    for (const [i, a] of likers.entries()) await notif(me.id, "like", a.id, { postId: p1.id, at: new Date(t0 + i * 60_000) });
    await notif(me.id, "repost", likers[0]!.id, { postId: p1.id, at: new Date(t0 + HOUR) });
    await notif(me.id, "repost", likers[1]!.id, { postId: p1.id, at: new Date(t0 + 2 * HOUR) });
    await notif(me.id, "like", likers[2]!.id, { postId: p2.id, at: new Date(t0 + 3 * HOUR) });
    const f1 = await notif(me.id, "follow", likers[3]!.id, { at: new Date(t0 + 4 * HOUR) });
    await notif(me.id, "follow", likers[4]!.id, { at: new Date(t0 + 5 * HOUR) });
    await notif(me.id, "comment", likers[0]!.id, { postId: p1.id, at: new Date(t0 + 6 * HOUR) });
    await notif(me.id, "comment", likers[1]!.id, { postId: p1.id, at: new Date(t0 + 7 * HOUR) });
    await notif(me.id, "system", null, { at: new Date(t0 + 8 * HOUR) });

    const page = await grouped(me);
    expect(page.nextCursor).toBeNull();
    expect(page.items.map((g: any) => [g.type, g.postId, g.actorCount, g.notificationCount])).toEqual([
      ["system", null, 0, 1],
      ["comment", p1.id, 1, 1],
      ["comment", p1.id, 1, 1],
      ["follow", null, 2, 2],
      ["like", p2.id, 1, 1],
      ["repost", p1.id, 2, 2],
      ["like", p1.id, 5, 5],
    ]);
    const likes = page.items.at(-1);
    // Latest actors: the three newest, newest first; the title names the newest one.
    expect(likes.latestActors.map((a: any) => a.username)).toEqual([likers[4]!.username, likers[3]!.username, likers[2]!.username]);
    expect(likes.title).toBe(`${likers[4]!.username} and 4 others liked your post`);
    expect(likes).toMatchObject({ unread: true, unreadCount: 5, newestAt: new Date(t0 + 4 * 60_000).toISOString(), oldestAt: new Date(t0).toISOString() });
    expect(likes.latest).toMatchObject({ type: "like", postId: p1.id, actor: { id: likers[4]!.id } });
    const follows = page.items[3];
    expect(follows.groupId).toBe(f1); // a group is its first notification
    expect(follows.title).toBe(`${likers[4]!.username} and ${likers[3]!.username} followed you`);
    expect(page.items[0].title).toBe("system title");
    // The flat view still lists every row.
    expect(ok(await query(me, "notification.list", { limit: 100 })).items).toHaveLength(13);
  });

  test("a group closes after 24 h without a new notification: the next like of that post opens another", async () => {
    const me = await user();
    const post = await createPost(ctx.t.sql, me.id);
    const actors = await actorsOf(5);
    const t0 = Date.now() - 100 * HOUR;
    // Burst 1: 0 h, 20 h, 40 h (each within 24 h of the previous one: one group spanning 40 h).
    await notif(me.id, "like", actors[0]!.id, { postId: post.id, at: new Date(t0) });
    await notif(me.id, "like", actors[1]!.id, { postId: post.id, at: new Date(t0 + 20 * HOUR) });
    await notif(me.id, "like", actors[2]!.id, { postId: post.id, at: new Date(t0 + 40 * HOUR) });
    // 25 h later: a new group.
    const second = await notif(me.id, "like", actors[3]!.id, { postId: post.id, at: new Date(t0 + 65 * HOUR) });
    await notif(me.id, "like", actors[4]!.id, { postId: post.id, at: new Date(t0 + 66 * HOUR) });
    const page = await grouped(me);
    expect(page.items.map((g: any) => [g.groupId === second, g.actorCount])).toEqual([[true, 2], [false, 3]]);
    expect(page.items[1].oldestAt).toBe(new Date(t0).toISOString());
  });

  test("keyset pages: every group once, never split, same as one page; unreadOnly", async () => {
    const me = await user();
    const posts = await Promise.all(Array.from({ length: 6 }, () => createPost(ctx.t.sql, me.id)));
    const actors = await actorsOf(8);
    const t0 = Date.now() - 20 * HOUR;
    // Interleaved in time: the rows of one group are spread over the pages of the flat list.
    let k = 0;
    for (let round = 0; round < 4; round++) {
      for (const [i, p] of posts.entries()) {
        await notif(me.id, "like", actors[(round + i) % 8]!.id, { postId: p.id, at: new Date(t0 + k++ * 60_000), read: i % 2 === 0 });
        await notif(me.id, "comment", actors[round]!.id, { postId: p.id, at: new Date(t0 + k++ * 60_000), read: true });
      }
    }
    const all = (await grouped(me)).items;
    expect(all).toHaveLength(6 + 24);
    for (const limit of [1, 4, 7]) {
      const { items } = await walkPages(async (cursor) => ok(await query(me, "notification.grouped", { limit, cursor })));
      expect(items.map((g: any) => g.groupId)).toEqual(all.map((g: any) => g.groupId));
      expect(items.map((g: any) => g.notificationCount)).toEqual(all.map((g: any) => g.notificationCount));
    }
    const unread = (await grouped(me, { unreadOnly: true })).items;
    expect(unread.map((g: any) => g.postId).sort()).toEqual([posts[1]!.id, posts[3]!.id, posts[5]!.id].sort());
    expect(unread.every((g: any) => g.unread && g.unreadCount === 4)).toBe(true);
    const likesOfRead = all.find((g: any) => g.type === "like" && g.postId === posts[0]!.id);
    expect(likesOfRead).toMatchObject({ unread: false, unreadCount: 0 });
  });

  test("blocked and suspended actors are hidden: not counted, not named; a group of hidden actors only is left out", async () => {
    const me = await user();
    const post = await createPost(ctx.t.sql, me.id);
    const other = await createPost(ctx.t.sql, me.id);
    const [a, b, blocked, blocker, suspended] = await actorsOf(5);
    const t0 = Date.now() - HOUR;
    for (const [i, x] of [a, blocked, b, blocker, suspended].entries()) await notif(me.id, "like", x!.id, { postId: post.id, at: new Date(t0 + i * 1000) });
    await notif(me.id, "repost", blocked!.id, { postId: other.id, at: new Date(t0 + 10_000) });
    await block(ctx.t.sql, me.id, blocked!.id);
    await block(ctx.t.sql, blocker!.id, me.id);
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended!.id}`;
    const page = await grouped(me);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ type: "like", actorCount: 2, notificationCount: 2, unreadCount: 2, title: `${b!.username} and ${a!.username} liked your post` });
    expect(page.items[0].latestActors.map((x: any) => x.id)).toEqual([b!.id, a!.id]);
    expect(page.items[0].newestAt).toBe(new Date(t0 + 2000).toISOString());
    expect(page.items[0].latest.actor.id).toBe(b!.id);
    // Restored: back in the group it always belonged to (the groups are cut from all rows).
    await ctx.t.sql`UPDATE users SET status = 'active' WHERE id = ${suspended!.id}`;
    expect((await grouped(me)).items[0]).toMatchObject({ actorCount: 3, latestActors: [{ id: suspended!.id }, { id: b!.id }, { id: a!.id }] });
  });

  test("markGroupRead reads that group only (not the next window's, not other targets); pushes nothing to others", async () => {
    const me = await user();
    const post = await createPost(ctx.t.sql, me.id);
    const actors = await actorsOf(4);
    const t0 = Date.now() - 60 * HOUR;
    const first = await notif(me.id, "like", actors[0]!.id, { postId: post.id, at: new Date(t0) });
    await notif(me.id, "like", actors[1]!.id, { postId: post.id, at: new Date(t0 + HOUR) });
    await notif(me.id, "like", actors[2]!.id, { postId: post.id, at: new Date(t0 + 30 * HOUR) }); // next window
    await notif(me.id, "repost", actors[3]!.id, { postId: post.id, at: new Date(t0 + 2 * HOUR) });
    expect(ok(await query(me, "notification.unreadCount"))).toEqual({ count: 4, capped: false });
    expect(ok(await mutate(me, "notification.markGroupRead", { groupId: first }))).toEqual({ updated: 2 });
    expect(ok(await mutate(me, "notification.markGroupRead", { groupId: first }))).toEqual({ updated: 0 });
    const page = await grouped(me);
    expect(page.items.map((g: any) => [g.type, g.unreadCount, g.unread])).toEqual([["like", 1, true], ["repost", 1, true], ["like", 0, false]]);
    expect(ok(await query(me, "notification.unreadCount"))).toEqual({ count: 2, capped: false });
    // A group of one: that notification.
    const repost = page.items[1].groupId;
    expect(ok(await mutate(me, "notification.markGroupRead", { groupId: repost }))).toEqual({ updated: 1 });
  });

  test("authorization: signed out is UNAUTHORIZED; only one's own groups; another's group or cursor is refused", async () => {
    const me = await user();
    const stranger = await user();
    const post = await createPost(ctx.t.sql, me.id);
    const actors = await actorsOf(3);
    const ids: string[] = [];
    for (const a of actors) ids.push(await notif(me.id, "like", a.id, { postId: post.id }));
    const id = ids[0]!;
    expectError(await query(null, "notification.grouped", {}), "UNAUTHORIZED");
    expectError(await mutate(null, "notification.markGroupRead", { groupId: id }), "UNAUTHORIZED");
    expect((await grouped(stranger)).items).toEqual([]);
    expectError(await mutate(stranger, "notification.markGroupRead", { groupId: id }), "NOT_FOUND");
    expect((await grouped(me)).items[0]).toMatchObject({ unreadCount: 3 });
    const firstPage = ok(await query(me, "notification.grouped", { limit: 1 }));
    expect(firstPage.nextCursor).toBeNull(); // one group
    await notif(me.id, "system", null);
    const paged = ok(await query(me, "notification.grouped", { limit: 1 }));
    expect(paged.nextCursor).toBeString();
    expectError(await query(stranger, "notification.grouped", { limit: 1, cursor: paged.nextCursor }), "BAD_REQUEST", "cursor");
    expectError(await query(me, "notification.list", { limit: 1, cursor: paged.nextCursor }), "BAD_REQUEST", "cursor");
    expectError(await mutate(me, "notification.markGroupRead", { groupId: "abc" }), "BAD_REQUEST", "groupId");
  });
});
