// Follow requests for locked profiles over HTTP: which profiles are locked (the visibility
// mapping and the owner's choice), request → nothing visible → approval → content; reject, cancel,
// remove follower; friendships only from approved mutual follows; unlocking approves pending
// requests; blocks remove requests; counts, lists, suggestions, feeds and notifications treat a
// pending request as not following.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createPost, follow as insertFollow } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);

const requestFollow = async (a: Authed, b: Authed) => ok(await mutate(a, "social.follow", { userId: b.id }));
const names = (page: { items: { username: string }[] }) => page.items.map((i) => i.username);

async function followRow(a: Authed, b: Authed): Promise<{ follows: boolean; requested: boolean; friends: boolean }> {
  const [row] = await ctx.t.sql<{ follows: boolean; requested: boolean; friends: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM user_follows WHERE follower_id = ${a.id} AND following_id = ${b.id}) AS follows,
           EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = ${a.id} AND target_id = ${b.id}) AS requested,
           EXISTS (SELECT 1 FROM friendships WHERE user_id_1 = LEAST(${a.id}::bigint, ${b.id}::bigint)
                                                AND user_id_2 = GREATEST(${a.id}::bigint, ${b.id}::bigint)) AS friends`;
  return row!;
}

async function notificationsOf(u: Authed): Promise<{ type: string; actor: string | null }[]> {
  const page = ok(await query(u, "notification.list", { limit: 50 }));
  return page.items.map((n: { type: string; actor: { username: string } | null }) => ({ type: n.type, actor: n.actor?.username ?? null }));
}

describe("which profiles are locked", () => {
  test("by visibility unless the owner chose: public open, followers and private locked; true/false/null override", async () => {
    const owner = await user();
    const me = async () => ok(await query(owner, "auth.me", {})).profile.requiresFollowApproval;
    expect(await me()).toBe(false);
    for (const visibility of ["followers", "private", "public"] as const) {
      ok(await mutate(owner, "user.updateProfile", { visibility }));
      expect({ visibility, locked: await me() }).toEqual({ visibility, locked: visibility !== "public" });
    }
    ok(await mutate(owner, "user.updateProfile", { requiresFollowApproval: true }));
    expect(await me()).toBe(true);
    ok(await mutate(owner, "user.updateProfile", { visibility: "followers", requiresFollowApproval: false }));
    expect(await me()).toBe(false);
    ok(await mutate(owner, "user.updateProfile", { requiresFollowApproval: null }));
    expect(await me()).toBe(true);
    // Others see it too, also on the limited view of a profile they cannot read yet.
    const stranger = await user();
    const view = ok(await query(stranger, "user.get", { username: owner.username }));
    expect({ isVisible: view.isVisible, requiresFollowApproval: view.requiresFollowApproval }).toEqual({ isVisible: false, requiresFollowApproval: true });
    expectError(await mutate(owner, "user.updateProfile", { requiresFollowApproval: "yes" }), "BAD_REQUEST", "requiresFollowApproval");
  });
});

describe("request, approve, reject, cancel", () => {
  test("a follow of a locked profile is a request: nothing opens until approval, then everything does", async () => {
    const owner = await user({ visibility: "followers" });
    const fan = await user();
    const post = await createPost(ctx.t.sql, owner.id, { content: "members only" });
    expect(await requestFollow(fan, owner)).toEqual({ following: false, requested: true, isFriend: false });
    // Asking twice is one request and one notification.
    expect(await requestFollow(fan, owner)).toEqual({ following: false, requested: true, isFriend: false });
    expect(await followRow(fan, owner)).toEqual({ follows: false, requested: true, friends: false });
    expect(await notificationsOf(owner)).toEqual([{ type: "follow_request", actor: fan.username }]);

    // Pending: the profile, its posts, lists and counts stay closed.
    const limited = ok(await query(fan, "user.get", { username: owner.username }));
    expect(limited.isVisible).toBe(false);
    expect(limited.relation).toMatchObject({ isFollowing: false, followRequested: true });
    expectError(await query(fan, "post.get", { postId: post.id }), "NOT_FOUND");
    expectError(await query(fan, "social.followers", { username: owner.username }), "NOT_FOUND");
    expect(ok(await query(fan, "feed.home", {})).items).toEqual([]);
    expect(ok(await query(owner, "user.get", { username: owner.username })).counts.followers).toBe(0);
    expect(ok(await query(owner, "social.followers", { username: owner.username })).items).toEqual([]);
    expect(ok(await query(fan, "social.following", { username: fan.username })).items).toEqual([]);

    // The owner's inbox of requests.
    const inbox = ok(await query(owner, "social.followRequests", {}));
    expect(names(inbox)).toEqual([fan.username]);
    expect(inbox.items[0].since).toEqual(expect.any(String));

    expect(ok(await mutate(owner, "social.approveFollow", { userId: fan.id }))).toEqual({ approved: true, isFriend: false });
    expect(await followRow(fan, owner)).toEqual({ follows: true, requested: false, friends: false });
    expect(ok(await query(fan, "user.get", { username: owner.username })).isVisible).toBe(true);
    expect(ok(await query(fan, "post.get", { postId: post.id })).content).toBe("members only");
    expect(ok(await query(fan, "feed.home", {})).items.map((i: { post: { id: string } }) => i.post.id)).toEqual([post.id]);
    expect(ok(await query(owner, "social.followRequests", {})).items).toEqual([]);
    // The request notification is answered and gone; the requester is told.
    expect(await notificationsOf(owner)).toEqual([]);
    expect(await notificationsOf(fan)).toEqual([{ type: "follow_approved", actor: owner.username }]);
    // Following again is a plain no-op now.
    expect(await requestFollow(fan, owner)).toEqual({ following: true, requested: false, isFriend: false });
    // Approving what is no longer pending is NOT_FOUND, like any unknown request.
    expectError(await mutate(owner, "social.approveFollow", { userId: fan.id }), "NOT_FOUND");
  });

  test("reject and cancel drop the request (and its notification); unfollow withdraws it too", async () => {
    const owner = await user({ visibility: "private" });
    const a = await user();
    const b = await user();
    const c = await user();
    for (const u of [a, b, c]) await requestFollow(u, owner);
    expect(names(ok(await query(owner, "social.followRequests", {})))).toEqual([c.username, b.username, a.username]);

    expect(ok(await mutate(owner, "social.rejectFollow", { userId: a.id }))).toEqual({ rejected: true });
    expect(ok(await mutate(b, "social.cancelFollowRequest", { userId: owner.id }))).toEqual({ following: false, requested: false, isFriend: false });
    expect(ok(await mutate(b, "social.cancelFollowRequest", { userId: owner.id }))).toEqual({ following: false, requested: false, isFriend: false });
    ok(await mutate(c, "social.unfollow", { userId: owner.id }));
    for (const u of [a, b, c]) expect(await followRow(u, owner)).toEqual({ follows: false, requested: false, friends: false });
    expect(ok(await query(owner, "social.followRequests", {})).items).toEqual([]);
    expect(await notificationsOf(owner)).toEqual([]);
    expect(await notificationsOf(a)).toEqual([]); // a rejection is silent
    expectError(await mutate(owner, "social.rejectFollow", { userId: a.id }), "NOT_FOUND");
    // Someone else's request cannot be answered by a third party.
    await requestFollow(a, owner);
    expectError(await mutate(b, "social.approveFollow", { userId: a.id }), "NOT_FOUND");
    expect(await followRow(a, owner)).toEqual({ follows: false, requested: true, friends: false });
    expectError(await query(null, "social.followRequests", {}), "UNAUTHORIZED");
  });

  test("followRequests: q filters by username / display name prefix; keyset pages", async () => {
    const owner = await user({ visibility: "followers" });
    const requesters: Authed[] = [];
    for (let i = 0; i < 5; i++) requesters.push(await user({ displayName: i % 2 ? `Zed ${i}` : `Amy ${i}` }));
    for (const r of requesters) await requestFollow(r, owner);
    const zed = ok(await query(owner, "social.followRequests", { q: "zed" }));
    expect(names(zed).sort()).toEqual([requesters[1]!.username, requesters[3]!.username].sort());
    const byName = ok(await query(owner, "social.followRequests", { q: requesters[0]!.username }));
    expect(names(byName)).toEqual([requesters[0]!.username]);
    const first = ok(await query(owner, "social.followRequests", { limit: 2 }));
    const second = ok(await query(owner, "social.followRequests", { limit: 2, cursor: first.nextCursor }));
    const third = ok(await query(owner, "social.followRequests", { limit: 2, cursor: second.nextCursor }));
    expect([...names(first), ...names(second), ...names(third)]).toEqual(requesters.map((r) => r.username).reverse());
    expect(third.nextCursor).toBeNull();
  });
});

describe("friendships, unlocking, removing, blocking", () => {
  test("a friendship forms only from approved mutual follows", async () => {
    const owner = await user({ visibility: "followers" });
    const fan = await user();
    ok(await mutate(owner, "social.follow", { userId: fan.id })); // fan is open: immediate
    expect(await requestFollow(fan, owner)).toEqual({ following: false, requested: true, isFriend: false });
    expect(await followRow(fan, owner)).toMatchObject({ friends: false });
    expect(ok(await query(owner, "social.friends", { username: owner.username })).items).toEqual([]);
    expect(ok(await mutate(owner, "social.approveFollow", { userId: fan.id }))).toEqual({ approved: true, isFriend: true });
    expect(names(ok(await query(owner, "social.friends", { username: owner.username })))).toEqual([fan.username]);
  });

  test("turning approval off approves every pending request (and tells each requester)", async () => {
    const owner = await user({ visibility: "followers" });
    const a = await user();
    const b = await user();
    await requestFollow(a, owner);
    await requestFollow(b, owner);
    // A change that keeps the profile locked approves nothing.
    ok(await mutate(owner, "user.updateProfile", { visibility: "private" }));
    expect(await followRow(a, owner)).toMatchObject({ follows: false, requested: true });
    ok(await mutate(owner, "user.updateProfile", { visibility: "public" }));
    for (const u of [a, b]) {
      expect(await followRow(u, owner)).toEqual({ follows: true, requested: false, friends: false });
      expect(await notificationsOf(u)).toEqual([{ type: "follow_approved", actor: owner.username }]);
    }
    expect(ok(await query(owner, "user.get", { username: owner.username })).counts.followers).toBe(2);
  });

  test("removeFollower ends an approved follow or a pending request; idempotent", async () => {
    const owner = await user({ visibility: "followers" });
    const fan = await user();
    const asker = await user();
    await insertFollow(ctx.t.sql, fan.id, owner.id);
    await requestFollow(asker, owner);
    expect(ok(await mutate(owner, "social.removeFollower", { userId: fan.id }))).toEqual({ removed: true });
    expect(ok(await mutate(owner, "social.removeFollower", { userId: fan.id }))).toEqual({ removed: false });
    ok(await mutate(owner, "social.removeFollower", { userId: asker.id }));
    expect(await followRow(fan, owner)).toEqual({ follows: false, requested: false, friends: false });
    expect(await followRow(asker, owner)).toEqual({ follows: false, requested: false, friends: false });
    expect(ok(await query(fan, "user.get", { username: owner.username })).isVisible).toBe(false);
    expectError(await mutate(owner, "social.removeFollower", { userId: owner.id }), "BAD_REQUEST", "userId");
  });

  test("a block removes requests both ways; the blocked cannot ask again", async () => {
    const owner = await user({ visibility: "followers" });
    const pest = await user({ visibility: "followers" });
    await requestFollow(pest, owner);
    await requestFollow(owner, pest);
    ok(await mutate(owner, "social.block", { userId: pest.id }));
    expect(await followRow(pest, owner)).toMatchObject({ requested: false });
    expect(await followRow(owner, pest)).toMatchObject({ requested: false });
    expect(ok(await query(owner, "social.followRequests", {})).items).toEqual([]);
    expectError(await mutate(pest, "social.follow", { userId: owner.id }), "NOT_FOUND");
    expectError(await mutate(owner, "social.approveFollow", { userId: pest.id }), "NOT_FOUND");
  });

  test("suggestions do not offer an account the caller already asked to follow", async () => {
    const me = await user();
    const friend = await user();
    const locked = await user({ visibility: "followers" });
    for (const [a, b] of [[me, friend], [friend, me], [friend, locked], [locked, friend]] as const) await insertFollow(ctx.t.sql, a.id, b.id);
    expect(names(ok(await query(me, "social.suggestions", {})))).toContain(locked.username);
    await requestFollow(me, locked);
    expect(names(ok(await query(me, "social.suggestions", {})))).not.toContain(locked.username);
  });
});
