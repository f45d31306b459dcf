// The social graph over HTTP: follow / unfollow (self, idempotence, unknown and blocked targets),
// friendships on mutual follow, followers / following / friends lists (keyset, profile
// visibility), blocks (follows and friendship removed both ways, no re-follow until unblocked),
// mutes, and the caller's own blocked / muted lists.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { follow as insertFollow, type TestUser } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, useServer, walkPages } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

const { mutate, query, user } = callersOf(ctx);
const followUser = async (a: Authed, b: TestUser) => ok(await mutate(a, "social.follow", { userId: b.id }));
const approvedFollow = (a: TestUser, b: TestUser) => insertFollow(ctx.t.sql, a.id, b.id);

async function follows(a: TestUser, b: TestUser): Promise<boolean> {
  const [row] = await ctx.t.sql<{ yes: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM user_follows WHERE follower_id = ${a.id} AND following_id = ${b.id}) AS yes`;
  return row!.yes;
}
async function friends(a: TestUser, b: TestUser): Promise<boolean> {
  const [row] = await ctx.t.sql<{ yes: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id_1 = LEAST(${a.id}::bigint, ${b.id}::bigint)
                                             AND user_id_2 = GREATEST(${a.id}::bigint, ${b.id}::bigint)) AS yes`;
  return row!.yes;
}
const names = (page: { items: { username: string }[] }) => page.items.map((i) => i.username);

/** Every page of a list with `limit`: usernames in order and the page sizes. */
async function walk(viewer: Authed | null, path: string, input: Record<string, unknown>, limit: number) {
  const { items, sizes } = await walkPages<{ username: string }>((cursor) => query(viewer, path, { ...input, limit, ...(cursor ? { cursor } : {}) }).then(ok));
  return { all: names({ items }), sizes };
}

describe("follow / unfollow", () => {
  test("self-follow is BAD_REQUEST; follow is idempotent; unknown or inactive users are NOT_FOUND", async () => {
    const a = await user();
    const b = await user();
    const self = await mutate(a, "social.follow", { userId: a.id });
    expectError(self, "BAD_REQUEST", "userId");
    expect(self.body.error.data.appCode).toBe("SELF_TARGET");
    expect(await follows(a, a)).toBe(false);

    expect(await followUser(a, b)).toEqual({ following: true, requested: false, isFriend: false });
    expect(await followUser(a, b)).toEqual({ following: true, requested: false, isFriend: false });
    const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM user_follows WHERE follower_id = ${a.id}`;
    expect(n!.n).toBe(1);

    expectError(await mutate(a, "social.follow", { userId: "999999999" }), "NOT_FOUND");
    const suspended = await user({ status: "suspended" });
    expectError(await mutate(a, "social.follow", { userId: suspended.id }), "NOT_FOUND");
    expectError(await mutate(null, "social.follow", { userId: b.id }), "UNAUTHORIZED");
    expectError(await mutate(a, "social.follow", { userId: "abc" }), "BAD_REQUEST", "userId");

    expect(ok(await mutate(a, "social.unfollow", { userId: b.id }))).toEqual({ following: false, requested: false, isFriend: false });
    expect(await follows(a, b)).toBe(false);
    // Unfollowing again is harmless.
    expect(ok(await mutate(a, "social.unfollow", { userId: b.id }))).toEqual({ following: false, requested: false, isFriend: false });
    expectError(await mutate(a, "social.unfollow", { userId: a.id }), "BAD_REQUEST", "userId");
  });

  test("a mutual follow makes a friendship; unfollowing either way ends it", async () => {
    const a = await user();
    const b = await user();
    expect(await followUser(a, b)).toEqual({ following: true, requested: false, isFriend: false });
    expect(await friends(a, b)).toBe(false);
    expect(await followUser(b, a)).toEqual({ following: true, requested: false, isFriend: true });
    expect(await friends(a, b)).toBe(true);
    expect(names(ok(await query(a, "social.friends", { username: a.username })))).toEqual([b.username]);
    expect(names(ok(await query(null, "social.friends", { username: b.username })))).toEqual([a.username]);

    ok(await mutate(b, "social.unfollow", { userId: a.id }));
    expect(await friends(a, b)).toBe(false);
    expect(await follows(a, b)).toBe(true);
    expect(ok(await query(a, "social.friends", { username: a.username })).items).toEqual([]);
    expect(await followUser(b, a)).toEqual({ following: true, requested: false, isFriend: true });
    ok(await mutate(a, "social.unfollow", { userId: b.id }));
    expect(await friends(a, b)).toBe(false);
  });
});

describe("followers / following / friends lists", () => {
  test("keyset pages of 2, newest relation first, no duplicates; items carry id, username, since", async () => {
    const star = await user();
    const fans: Authed[] = [];
    for (let i = 0; i < 5; i++) {
      const f = await user();
      await followUser(f, star);
      fans.push(f);
    }
    // star follows back three of them: three friends, three following.
    for (const f of [fans[0]!, fans[2]!, fans[4]!]) await followUser(star, f);

    const followers = await walk(null, "social.followers", { username: star.username }, 2);
    expect(followers.all).toEqual(fans.map((f) => f.username).reverse());
    expect(followers.sizes).toEqual([2, 2, 1]);
    const following = await walk(null, "social.following", { username: star.username }, 2);
    expect(following.all).toEqual([fans[4]!, fans[2]!, fans[0]!].map((f) => f.username));
    expect(following.sizes).toEqual([2, 1]);
    const friendList = await walk(null, "social.friends", { username: star.username }, 2);
    expect(friendList.all).toEqual([fans[4]!, fans[2]!, fans[0]!].map((f) => f.username));

    const first = ok(await query(null, "social.followers", { username: star.username, limit: 1 }));
    expect(first.items).toEqual([{ id: fans[4]!.id, username: fans[4]!.username, displayName: null, since: expect.any(String) }]);
    expect(Date.parse(first.items[0].since)).toBeGreaterThan(Date.now() - 60_000);

    // A follower arriving while paging does not disturb the walk.
    const page1 = ok(await query(null, "social.followers", { username: star.username, limit: 2 }));
    const late = await user();
    await followUser(late, star);
    const page2 = ok(await query(null, "social.followers", { username: star.username, limit: 2, cursor: page1.nextCursor }));
    expect([...names(page1), ...names(page2)]).toEqual([fans[4]!, fans[3]!, fans[2]!, fans[1]!].map((f) => f.username));
    expectError(await query(null, "social.followers", { username: star.username, cursor: "nope" }), "BAD_REQUEST", "cursor");
    expectError(await query(null, "social.followers", { username: "no_such_user" }), "NOT_FOUND");
  });

  test("a private profile's lists are NOT_FOUND to others, a followers-only one to non-followers; blocked and inactive accounts are left out", async () => {
    const priv = await user({ visibility: "private" });
    const fo = await user({ visibility: "followers" });
    const follower = await user();
    const stranger = await user();
    // Approved follows (a locked profile's follow is a request until its owner approves).
    await approvedFollow(follower, priv);
    await approvedFollow(follower, fo);
    for (const path of ["social.followers", "social.following", "social.friends"]) {
      expectError(await query(stranger, path, { username: priv.username }), "NOT_FOUND");
      expectError(await query(null, path, { username: priv.username }), "NOT_FOUND");
      expectError(await query(follower, path, { username: priv.username }), "NOT_FOUND");
      expect(ok(await query(priv, path, { username: priv.username })).items).toBeArray();
      expectError(await query(stranger, path, { username: fo.username }), "NOT_FOUND");
      expect(ok(await query(follower, path, { username: fo.username })).items).toBeArray();
    }
    expect(names(ok(await query(priv, "social.followers", { username: priv.username })))).toEqual([follower.username]);
    expect(names(ok(await query(follower, "social.following", { username: follower.username })))).toEqual([fo.username, priv.username]);

    // Inside a list, accounts hidden from the viewer (a block either way, suspended) are left out.
    const hub = await user();
    const x = await user();
    const y = await user();
    const z = await user();
    for (const f of [x, y, z]) await followUser(f, hub);
    ok(await mutate(stranger, "social.block", { userId: x.id }));
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${y.id}`;
    expect(names(ok(await query(stranger, "social.followers", { username: hub.username })))).toEqual([z.username]);
    expect(names(ok(await query(null, "social.followers", { username: hub.username })))).toEqual([z.username, x.username]);
  });
});

describe("block / unblock, mute / unmute", () => {
  test("a block takes each account out of the other's lists (both ways), and membership stays gone after unblock", async () => {
    const owner = await user();
    const other = await user();
    const ownersList = ok(await mutate(owner, "list.create", { name: "mine", isPublic: true }));
    const othersList = ok(await mutate(other, "list.create", { name: "theirs", isPublic: true }));
    ok(await mutate(owner, "list.addMember", { listId: ownersList.id, userId: other.id }));
    ok(await mutate(other, "list.addMember", { listId: othersList.id, userId: owner.id }));
    ok(await mutate(other, "social.block", { userId: owner.id }));
    const [row] = await ctx.t.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM list_members WHERE list_id IN (${ownersList.id}, ${othersList.id})`;
    expect(row!.n).toBe(0);
    ok(await mutate(other, "social.unblock", { userId: owner.id }));
    expect(ok(await query(null, "list.get", { listId: ownersList.id })).members).toEqual([]);
  });

  test("a block removes follows both ways and the friendship; neither can follow the other until unblocked", async () => {
    const a = await user();
    const b = await user();
    await followUser(a, b);
    await followUser(b, a);
    expect(await friends(a, b)).toBe(true);

    expect(ok(await mutate(a, "social.block", { userId: b.id }))).toEqual({ blocked: true });
    expect(ok(await mutate(a, "social.block", { userId: b.id }))).toEqual({ blocked: true });
    expect([await follows(a, b), await follows(b, a), await friends(a, b)]).toEqual([false, false, false]);
    const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM user_blocks WHERE blocker_id = ${a.id}`;
    expect(n!.n).toBe(1);

    expectError(await mutate(a, "social.follow", { userId: b.id }), "NOT_FOUND");
    expectError(await mutate(b, "social.follow", { userId: a.id }), "NOT_FOUND");
    expect([await follows(a, b), await follows(b, a)]).toEqual([false, false]);
    // The blocked one does not see the blocker's profile lists either.
    expectError(await query(b, "social.followers", { username: a.username }), "NOT_FOUND");

    // Only the blocker can lift it.
    expect(ok(await mutate(b, "social.unblock", { userId: a.id }))).toEqual({ blocked: false });
    expectError(await mutate(b, "social.follow", { userId: a.id }), "NOT_FOUND");
    expect(ok(await mutate(a, "social.unblock", { userId: b.id }))).toEqual({ blocked: false });
    expect(await followUser(b, a)).toEqual({ following: true, requested: false, isFriend: false });
    expect(await followUser(a, b)).toEqual({ following: true, requested: false, isFriend: true });
    // A block is not removed by following: the follows stay gone after the block is back.
    ok(await mutate(b, "social.block", { userId: a.id }));
    expect([await follows(a, b), await follows(b, a), await friends(a, b)]).toEqual([false, false, false]);
  });

  test("block / mute: self is BAD_REQUEST, unknown users NOT_FOUND", async () => {
    const a = await user();
    for (const path of ["social.block", "social.mute"]) {
      expectError(await mutate(a, path, { userId: a.id }), "BAD_REQUEST", "userId");
      expectError(await mutate(a, path, { userId: "999999999" }), "NOT_FOUND");
      expectError(await mutate(null, path, { userId: a.id }), "UNAUTHORIZED");
    }
    const [n] = await ctx.t.sql<{ b: number; m: number }[]>`
      SELECT (SELECT count(*)::int FROM user_blocks WHERE blocker_id = ${a.id}) AS b,
             (SELECT count(*)::int FROM user_mutes WHERE muter_id = ${a.id}) AS m`;
    expect(n).toEqual({ b: 0, m: 0 });
  });

  test("mute keeps the follow, is idempotent, and unmute lifts it", async () => {
    const a = await user();
    const b = await user();
    await followUser(a, b);
    expect(ok(await mutate(a, "social.mute", { userId: b.id }))).toEqual({ muted: true });
    expect(ok(await mutate(a, "social.mute", { userId: b.id }))).toEqual({ muted: true });
    expect(await follows(a, b)).toBe(true);
    const [row] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM user_mutes WHERE muter_id = ${a.id} AND muted_id = ${b.id}`;
    expect(row!.n).toBe(1);
    expect(ok(await mutate(a, "social.unmute", { userId: b.id }))).toEqual({ muted: false });
    const [after] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM user_mutes WHERE muter_id = ${a.id}`;
    expect(after!.n).toBe(0);
  });

  test("social.blocked / social.muted: the caller's own, newest first, keyset pages", async () => {
    const me = await user();
    const other = await user();
    const targets: Authed[] = [];
    for (let i = 0; i < 5; i++) targets.push(await user());
    for (const x of targets) ok(await mutate(me, "social.block", { userId: x.id }));
    for (const x of targets.slice(0, 3)) ok(await mutate(me, "social.mute", { userId: x.id }));
    ok(await mutate(other, "social.block", { userId: targets[0]!.id }));

    const blocked = await walk(me, "social.blocked", {}, 2);
    expect(blocked.all).toEqual(targets.map((x) => x.username).reverse());
    expect(blocked.sizes).toEqual([2, 2, 1]);
    const muted = await walk(me, "social.muted", {}, 2);
    expect(muted.all).toEqual(targets.slice(0, 3).map((x) => x.username).reverse());
    expect(names(ok(await query(other, "social.blocked", {})))).toEqual([targets[0]!.username]);
    expect(ok(await query(other, "social.muted", {})).items).toEqual([]);
    expectError(await query(null, "social.blocked", {}), "UNAUTHORIZED");

    ok(await mutate(me, "social.unblock", { userId: targets[4]!.id }));
    ok(await mutate(me, "social.unmute", { userId: targets[0]!.id }));
    expect(names(ok(await query(me, "social.blocked", { limit: 10 })))).toEqual(targets.slice(0, 4).map((x) => x.username).reverse());
    expect(names(ok(await query(me, "social.muted", { limit: 10 })))).toEqual([targets[2]!, targets[1]!].map((x) => x.username));
  });
});
