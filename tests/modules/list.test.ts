// Lists over HTTP: CRUD and membership (owner only), readability (public to all who may see the
// owner, private to the owner, NOT_FOUND otherwise), and list.posts as the members' timeline.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createPost, createUser, createUserWithToken, follow, type TestUser } from "../helpers/factories";
import { type Authed, ok, rpc, type RpcResult, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

const mutate = (path: string, input: unknown, token?: string) => rpc(ctx.s.url, path, input, { token });
const query = (path: string, input: unknown, token?: string) => rpc(ctx.s.url, path, input, { method: "GET", token });

function expectError(res: RpcResult, code: string, status: number, appCode?: string) {
  expect({ status: res.status, code: res.body?.error?.data?.code }).toEqual({ status, code });
  if (appCode) expect(res.body.error.data.appCode).toBe(appCode);
}

let listSeq = 0;
async function createList(owner: Authed, opts: { name?: string; description?: string | null; isPublic?: boolean } = {}) {
  return ok(await mutate("list.create", { name: opts.name ?? `list ${++listSeq}`, ...opts }, owner.token)) as {
    id: string; name: string; description: string | null; isPublic: boolean; memberCount: number; owner: { id: string; username: string };
  };
}
async function addMember(owner: Authed, listId: string, user: TestUser) {
  return ok(await mutate("list.addMember", { listId, userId: user.id }, owner.token));
}

const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
async function repost(user: TestUser, postId: string, createdAt: Date): Promise<string> {
  const [row] = await ctx.t.sql<{ id: string }[]>`
    INSERT INTO reposts (user_id, post_id, created_at) VALUES (${user.id}, ${postId}, ${createdAt.toISOString()}) RETURNING id`;
  return row!.id;
}

describe("list CRUD", () => {
  test("create, get, update, delete; views carry owner and member count", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const created = await createList(owner, { name: "  Close friends ", description: "people" });
    expect(created).toMatchObject({
      name: "Close friends", description: "people", isPublic: true, memberCount: 0, owner: { id: owner.id, username: owner.username },
    });
    const got = ok(await query("list.get", { listId: created.id }, owner.token));
    expect(got).toMatchObject({ id: created.id, name: "Close friends", members: [] });

    const updated = ok(await mutate("list.update", { listId: created.id, isPublic: false, description: null }, owner.token));
    expect(updated).toMatchObject({ id: created.id, name: "Close friends", description: null, isPublic: false });
    // Fields left out keep their values.
    const renamed = ok(await mutate("list.update", { listId: created.id, name: "Inner circle" }, owner.token));
    expect(renamed).toMatchObject({ name: "Inner circle", description: null, isPublic: false });
    const [row] = await ctx.t.sql`SELECT name, description, is_public FROM user_lists WHERE id = ${created.id}`;
    expect(row).toEqual({ name: "Inner circle", description: null, is_public: false });

    expect(ok(await mutate("list.delete", { listId: created.id }, owner.token))).toEqual({ deleted: true });
    expectError(await query("list.get", { listId: created.id }, owner.token), "NOT_FOUND", 404);
    expectError(await mutate("list.delete", { listId: created.id }, owner.token), "NOT_FOUND", 404);
  });

  test("a duplicate name is CONFLICT LIST_NAME_TAKEN (per owner), on create and on rename", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const other = await createUserWithToken(ctx.t.sql);
    await createList(owner, { name: "Music" });
    const dup = await mutate("list.create", { name: " Music " }, owner.token);
    expectError(dup, "CONFLICT", 409, "LIST_NAME_TAKEN");
    expect(dup.body.error.data.field).toBe("name");
    // Another owner may use the same name.
    await createList(other, { name: "Music" });
    const second = await createList(owner, { name: "Art" });
    expectError(await mutate("list.update", { listId: second.id, name: "Music" }, owner.token), "CONFLICT", 409, "LIST_NAME_TAKEN");
    const [row] = await ctx.t.sql`SELECT name FROM user_lists WHERE id = ${second.id}`;
    expect(row!.name).toBe("Art");
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM user_lists WHERE user_id = ${owner.id}`)[0]!.n).toBe(2);
  });

  test("list.mine pages through the caller's lists only (limit 1 walks all, in id order)", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const other = await createUserWithToken(ctx.t.sql);
    const mine = [await createList(owner), await createList(owner, { isPublic: false }), await createList(owner)];
    await createList(other);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = ok(await query("list.mine", { limit: 1, cursor }, owner.token));
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((l: { id: string }) => l.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(mine.map((l) => l.id));
    expectError(await query("list.mine", {}), "UNAUTHORIZED", 401);
  });

  test("members: add (idempotent) and remove; get lists them in order added", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const a = await createUser(ctx.t.sql, { displayName: "Ann" });
    const b = await createUser(ctx.t.sql);
    const list = await createList(owner);
    expect((await addMember(owner, list.id, a)).memberCount).toBe(1);
    expect((await addMember(owner, list.id, a)).memberCount).toBe(1);
    expect((await addMember(owner, list.id, b)).memberCount).toBe(2);
    const got = ok(await query("list.get", { listId: list.id }));
    expect(got.members).toEqual([
      { id: a.id, username: a.username, displayName: "Ann" },
      { id: b.id, username: b.username, displayName: null },
    ]);
    const removed = ok(await mutate("list.removeMember", { listId: list.id, userId: a.id }, owner.token));
    expect(removed.memberCount).toBe(1);
    expect((await ctx.t.sql`SELECT member_user_id FROM list_members WHERE list_id = ${list.id}`).map((r) => r.member_user_id)).toEqual([b.id]);
  });

  test("adding a blocked (either way), suspended, deleted or unknown user is NOT_FOUND", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const blockedByOwner = await createUser(ctx.t.sql);
    const blocksOwner = await createUser(ctx.t.sql);
    const suspended = await createUser(ctx.t.sql, { status: "suspended" });
    const deleted = await createUser(ctx.t.sql, { status: "deleted" });
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${owner.id}, ${blockedByOwner.id}), (${blocksOwner.id}, ${owner.id})`;
    const list = await createList(owner);
    for (const user of [blockedByOwner, blocksOwner, suspended, deleted, { id: "999999999" } as TestUser]) {
      expectError(await mutate("list.addMember", { listId: list.id, userId: user.id }, owner.token), "NOT_FOUND", 404);
    }
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM list_members WHERE list_id = ${list.id}`)[0]!.n).toBe(0);
  });

  test("another user's list: every mutation is NOT_FOUND and changes nothing", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const intruder = await createUserWithToken(ctx.t.sql);
    const member = await createUser(ctx.t.sql);
    const newcomer = await createUser(ctx.t.sql);
    const list = await createList(owner, { name: "Mine", description: "keep" });
    await addMember(owner, list.id, member);
    expectError(await mutate("list.update", { listId: list.id, name: "Pwned", isPublic: false }, intruder.token), "NOT_FOUND", 404);
    expectError(await mutate("list.addMember", { listId: list.id, userId: newcomer.id }, intruder.token), "NOT_FOUND", 404);
    expectError(await mutate("list.removeMember", { listId: list.id, userId: member.id }, intruder.token), "NOT_FOUND", 404);
    expectError(await mutate("list.delete", { listId: list.id }, intruder.token), "NOT_FOUND", 404);
    expectError(await mutate("list.update", { listId: list.id, name: "x" }), "UNAUTHORIZED", 401);
    const [row] = await ctx.t.sql`SELECT name, description, is_public FROM user_lists WHERE id = ${list.id}`;
    expect(row).toEqual({ name: "Mine", description: "keep", is_public: true });
    expect((await ctx.t.sql`SELECT member_user_id FROM list_members WHERE list_id = ${list.id}`).map((r) => r.member_user_id)).toEqual([member.id]);
  });
});

describe("list readability", () => {
  test("public lists to anyone, private lists to the owner only (others and anonymous NOT_FOUND)", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const other = await createUserWithToken(ctx.t.sql);
    const pub = await createList(owner, { isPublic: true });
    const priv = await createList(owner, { isPublic: false });
    expect(ok(await query("list.get", { listId: pub.id })).id).toBe(pub.id);
    expect(ok(await query("list.get", { listId: pub.id }, other.token)).id).toBe(pub.id);
    expect(ok(await query("list.posts", { listId: pub.id })).items).toEqual([]);
    expect(ok(await query("list.get", { listId: priv.id }, owner.token)).isPublic).toBe(false);
    expect(ok(await query("list.posts", { listId: priv.id }, owner.token)).items).toEqual([]);
    for (const token of [other.token, undefined]) {
      expectError(await query("list.get", { listId: priv.id }, token), "NOT_FOUND", 404);
      expectError(await query("list.posts", { listId: priv.id }, token), "NOT_FOUND", 404);
    }
    // Same answer as for a list that does not exist.
    expectError(await query("list.get", { listId: "987654321" }, other.token), "NOT_FOUND", 404);
  });

  test("a public list follows its owner's visibility: private owner, blocked pair, suspended owner", async () => {
    const privateOwner = await createUserWithToken(ctx.t.sql, { visibility: "private" });
    const blocker = await createUserWithToken(ctx.t.sql);
    const suspendedOwner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const a = await createList(privateOwner);
    const b = await createList(blocker);
    const c = await createList(suspendedOwner);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blocker.id}, ${viewer.id})`;
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspendedOwner.id}`;
    expect(ok(await query("list.get", { listId: a.id }, privateOwner.token)).id).toBe(a.id);
    expectError(await query("list.get", { listId: a.id }, viewer.token), "NOT_FOUND", 404);
    expectError(await query("list.get", { listId: b.id }, viewer.token), "NOT_FOUND", 404);
    expect(ok(await query("list.get", { listId: b.id })).id).toBe(b.id);
    expectError(await query("list.get", { listId: c.id }, viewer.token), "NOT_FOUND", 404);
    expectError(await query("list.posts", { listId: c.id }), "NOT_FOUND", 404);
  });
});

describe("list.posts", () => {
  test("the members' posts and reposts, newest first, under visibility; cursor pages without gaps", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const m1 = await createUser(ctx.t.sql);
    const m2 = await createUser(ctx.t.sql, { visibility: "followers" });
    const m3 = await createUser(ctx.t.sql, { displayName: "Reposter" });
    const outsider = await createUser(ctx.t.sql);
    await follow(ctx.t.sql, viewer.id, m2.id);

    const np = await createPost(ctx.t.sql, outsider.id, { createdAt: at(60) });
    const a1 = await createPost(ctx.t.sql, m1.id, { createdAt: at(59) });
    const b1 = await createPost(ctx.t.sql, m2.id, { createdAt: at(58) });
    const c1 = await createPost(ctx.t.sql, m3.id, { createdAt: at(57) });
    const rNp = await repost(m3, np.id, at(56));
    const a2 = await createPost(ctx.t.sql, m1.id, { createdAt: at(55) });
    const rB1 = await repost(m3, b1.id, at(54));
    await createPost(ctx.t.sql, m1.id, { status: "draft", createdAt: at(53) });
    const gone = await createPost(ctx.t.sql, m1.id, { createdAt: at(52) });
    await ctx.t.sql`UPDATE posts SET deleted_at = NOW(), status = 'deleted' WHERE id = ${gone.id}`;
    await createPost(ctx.t.sql, outsider.id, { createdAt: at(51) });

    const list = await createList(owner);
    for (const m of [m1, m2, m3]) await addMember(owner, list.id, m);

    // The viewer follows m2 (followers-only), so m2's post shows, also as m3's repost.
    const forViewer = ok(await query("list.posts", { listId: list.id }, viewer.token));
    expect(forViewer.items.map((i: { id: string }) => i.id)).toEqual([`r${rB1}`, `p${a2.id}`, `r${rNp}`, `p${c1.id}`, `p${b1.id}`, `p${a1.id}`]);
    expect(forViewer.nextCursor).toBeNull();
    const repostItem = forViewer.items[2];
    expect(repostItem).toMatchObject({
      kind: "repost",
      post: { id: np.id, author: { id: outsider.id } },
      repost: { id: rNp, by: { id: m3.id, username: m3.username, displayName: "Reposter" } },
    });
    expect(forViewer.items[1]).toMatchObject({ kind: "post", repost: null, post: { id: a2.id } });

    // Anonymous: nothing of the followers-only member, not even through a repost.
    const anon = ok(await query("list.posts", { listId: list.id }));
    expect(anon.items.map((i: { id: string }) => i.id)).toEqual([`p${a2.id}`, `r${rNp}`, `p${c1.id}`, `p${a1.id}`]);

    // Keyset paging: limit 2 walks the same sequence, no duplicates.
    const walked: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = ok(await query("list.posts", { listId: list.id, limit: 2, cursor }, viewer.token));
      walked.push(...page.items.map((x: { id: string }) => x.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
      // A member posts between page fetches: it belongs to the head, not to later pages.
      await createPost(ctx.t.sql, m1.id);
    }
    expect(walked).toEqual(forViewer.items.map((i: { id: string }) => i.id));
  });

  test("members who block the viewer, are muted by the viewer or are suspended vanish; removed members too", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const keep = await createUser(ctx.t.sql);
    const blocker = await createUser(ctx.t.sql);
    const muted = await createUser(ctx.t.sql);
    const suspended = await createUser(ctx.t.sql);
    const removed = await createUser(ctx.t.sql);
    const k = await createPost(ctx.t.sql, keep.id, { createdAt: at(30) });
    const bp = await createPost(ctx.t.sql, blocker.id, { createdAt: at(29) });
    const mp = await createPost(ctx.t.sql, muted.id, { createdAt: at(28) });
    const sp = await createPost(ctx.t.sql, suspended.id, { createdAt: at(27) });
    await createPost(ctx.t.sql, removed.id, { createdAt: at(26) });
    // keep reposts the blocker's and the muted member's posts: those are hidden too.
    const rb = await repost(keep, bp.id, at(25));
    const rm = await repost(keep, mp.id, at(24));
    const list = await createList(owner);
    for (const m of [keep, blocker, muted, suspended, removed]) await addMember(owner, list.id, m);
    ok(await mutate("list.removeMember", { listId: list.id, userId: removed.id }, owner.token));

    const before = ok(await query("list.posts", { listId: list.id }, viewer.token));
    expect(before.items.map((i: { id: string }) => i.id)).toEqual([`r${rm}`, `r${rb}`, `p${sp.id}`, `p${mp.id}`, `p${bp.id}`, `p${k.id}`]);

    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${blocker.id}, ${viewer.id})`;
    await ctx.t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${viewer.id}, ${muted.id})`;
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;
    const after = ok(await query("list.posts", { listId: list.id }, viewer.token));
    expect(after.items.map((i: { id: string }) => i.id)).toEqual([`p${k.id}`]);
    // The owner is not muting or blocked: sees all but the suspended member.
    const forOwner = ok(await query("list.posts", { listId: list.id }, owner.token));
    expect(forOwner.items.map((i: { id: string }) => i.id)).toEqual([`r${rm}`, `r${rb}`, `p${mp.id}`, `p${bp.id}`, `p${k.id}`]);
    // list.get hides the suspended member and, for the viewer, the blocker.
    const got = ok(await query("list.get", { listId: list.id }, viewer.token));
    expect(got.members.map((m: { id: string }) => m.id)).toEqual([keep.id, muted.id]);
  });
});

// Every list read (members, posts, member counts) hides members who are inactive, in a block with
// the owner (either way) or in a block with the viewer (either way). The membership rows stay.
describe("list members under the visibility policy", () => {
  test("blocks with the owner, blocks with the viewer, suspended and deleted members: hidden from get, posts and counts", async () => {
    const owner = await createUserWithToken(ctx.t.sql);
    const viewer = await createUserWithToken(ctx.t.sql);
    const keep = await createUser(ctx.t.sql);
    const blocksOwner = await createUser(ctx.t.sql);
    const blockedByOwner = await createUser(ctx.t.sql);
    const blocksViewer = await createUser(ctx.t.sql);
    const suspended = await createUser(ctx.t.sql);
    const deleted = await createUser(ctx.t.sql);
    const members = [keep, blocksOwner, blockedByOwner, blocksViewer, suspended, deleted];
    const posts = new Map<string, string>();
    for (const [i, m] of members.entries()) posts.set(m.id, (await createPost(ctx.t.sql, m.id, { createdAt: at(30 - i) })).id);
    const list = await createList(owner);
    for (const m of members) await addMember(owner, list.id, m);
    expect(ok(await query("list.get", { listId: list.id }, viewer.token)).memberCount).toBe(6);

    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES
      (${blocksOwner.id}, ${owner.id}), (${owner.id}, ${blockedByOwner.id}), (${blocksViewer.id}, ${viewer.id})`;
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;
    await ctx.t.sql`UPDATE users SET status = 'deleted', deleted_at = NOW() WHERE id = ${deleted.id}`;
    const postIds = (page: { items: { id: string }[] }) => page.items.map((i) => i.id);

    // The viewer: only `keep`.
    const seen = ok(await query("list.get", { listId: list.id }, viewer.token));
    expect(seen.members.map((m: { id: string }) => m.id)).toEqual([keep.id]);
    expect(seen.memberCount).toBe(1);
    expect(postIds(ok(await query("list.posts", { listId: list.id }, viewer.token)))).toEqual([`p${posts.get(keep.id)}`]);
    // Anonymous: no viewer blocks, so `blocksViewer` is back.
    const anon = ok(await query("list.get", { listId: list.id }));
    expect(anon.members.map((m: { id: string }) => m.id)).toEqual([keep.id, blocksViewer.id]);
    expect(anon.memberCount).toBe(2);
    expect(postIds(ok(await query("list.posts", { listId: list.id })))).toEqual([`p${posts.get(blocksViewer.id)}`, `p${posts.get(keep.id)}`]);
    // The owner: the same two, in get, posts, list.mine and the views returned by mutations.
    const mine = ok(await query("list.get", { listId: list.id }, owner.token));
    expect(mine.members.map((m: { id: string }) => m.id)).toEqual([keep.id, blocksViewer.id]);
    expect(mine.memberCount).toBe(2);
    expect(postIds(ok(await query("list.posts", { listId: list.id }, owner.token)))).toEqual([`p${posts.get(blocksViewer.id)}`, `p${posts.get(keep.id)}`]);
    const all = ok(await query("list.mine", { limit: 10 }, owner.token));
    expect(all.items.find((l: { id: string }) => l.id === list.id).memberCount).toBe(2);
    expect(ok(await mutate("list.update", { listId: list.id, name: "renamed" }, owner.token)).memberCount).toBe(2);
    // The rows are still there: lifting the suspension brings the member back.
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM list_members WHERE list_id = ${list.id}`)[0]!.n).toBe(6);
    await ctx.t.sql`UPDATE users SET status = 'active' WHERE id = ${suspended.id}`;
    expect(ok(await query("list.get", { listId: list.id }, viewer.token)).memberCount).toBe(2);
  });
});
