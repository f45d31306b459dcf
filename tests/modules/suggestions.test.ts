// social.suggestions over HTTP: friends of friends ranked by mutual-friend count (ties by id),
// never the caller, accounts they follow, blocked pairs or suspended accounts; keyset paging.
import { beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { createUser, createUserWithToken, follow, type TestUser } from "../helpers/factories";
import { rpc, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

/** A friendship is a mutual follow (the trigger creates the friendships row). */
async function befriend(a: TestUser, b: TestUser) {
  await follow(ctx.t.sql, a.id, b.id);
  await follow(ctx.t.sql, b.id, a.id);
}

const suggest = (token: string, input: { cursor?: string; limit?: number } = {}) =>
  rpc(ctx.s.url, "social.suggestions", input, { method: "GET", token });

interface Suggestion {
  id: string;
  username: string;
  displayName: string | null;
  mutualFriends: number;
}

async function walk(token: string, limit: number): Promise<Suggestion[]> {
  const all: Suggestion[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await suggest(token, { cursor, limit });
    expect(res.status).toBe(200);
    const page = res.body.result.data as { items: Suggestion[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    all.push(...page.items);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
  throw new Error("pagination did not terminate");
}

describe("social.suggestions", () => {
  let viewer: TestUser & { token: string };
  const u: Record<string, TestUser> = {};

  beforeAll(async () => {
    viewer = await createUserWithToken(ctx.t.sql);
    for (const name of ["f1", "f2", "f3", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "sus", "c12", "del"]) {
      u[name] = await createUser(ctx.t.sql, { displayName: name });
    }
    // The viewer's friends.
    for (const f of ["f1", "f2", "f3"]) await befriend(viewer, u[f]!);
    // Candidates by number of mutual friends.
    for (const f of ["f1", "f2", "f3"]) await befriend(u.c1!, u[f]!); // 3
    for (const f of ["f1", "f2"]) await befriend(u.c2!, u[f]!); // 2
    await befriend(u.c3!, u.f1!); // 1
    await befriend(u.c4!, u.f2!); // 1
    await befriend(u.c5!, u.f3!); // 1
    await befriend(u.c11!, u.f1!); // 1, and follows the viewer (one way): still a suggestion
    await follow(ctx.t.sql, u.c11!.id, viewer.id);
    // Excluded: already followed (one way), blocked by the viewer, blocking the viewer, suspended.
    for (const f of ["f1", "f2"]) await befriend(u.c6!, u[f]!);
    await follow(ctx.t.sql, viewer.id, u.c6!.id);
    for (const f of ["f1", "f2", "f3"]) await befriend(u.c7!, u[f]!);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${viewer.id}, ${u.c7!.id})`;
    for (const f of ["f1", "f2", "f3"]) await befriend(u.c8!, u[f]!);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${u.c8!.id}, ${viewer.id})`;
    for (const f of ["f1", "f2", "f3"]) await befriend(u.c9!, u[f]!);
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${u.c9!.id}`;
    // A one-way follow from a friend is not a friendship: not a candidate.
    await follow(ctx.t.sql, u.f1!.id, u.c10!.id);
    // A friend who is suspended is no bridge: c12 is reachable only through them.
    await befriend(viewer, u.sus!);
    await befriend(u.sus!, u.c12!);
    await befriend(u.sus!, u.c2!); // and does not count as a mutual friend of c2
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${u.sus!.id}`;
    // A deleted account is not suggested either.
    for (const f of ["f1", "f2", "f3"]) await befriend(u.del!, u[f]!);
    await ctx.t.sql`UPDATE users SET status = 'deleted', deleted_at = ${new Date().toISOString()} WHERE id = ${u.del!.id}`;
  });

  const byId = (a: TestUser, b: TestUser) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);

  test("ranked by mutual friends (desc), ties by id; excludes self, followed, blocked either way, suspended, deleted", async () => {
    const res = await suggest(viewer.token, { limit: 100 });
    expect(res.status).toBe(200);
    const { items, nextCursor } = res.body.result.data as { items: Suggestion[]; nextCursor: string | null };
    const ones = [u.c3!, u.c4!, u.c5!, u.c11!].sort(byId);
    expect(items.map((i) => i.id)).toEqual([u.c1!.id, u.c2!.id, ...ones.map((o) => o.id)]);
    expect(items.map((i) => i.mutualFriends)).toEqual([3, 2, 1, 1, 1, 1]);
    expect(items[0]).toEqual({ id: u.c1!.id, username: u.c1!.username, displayName: "c1", mutualFriends: 3 });
    expect(nextCursor).toBeNull();
  });

  test("keyset paging: limit 1 walks every suggestion once, in rank order", async () => {
    const full = (await suggest(viewer.token, { limit: 100 })).body.result.data.items as Suggestion[];
    const walked = await walk(viewer.token, 1);
    expect(walked.map((i) => i.id)).toEqual(full.map((i) => i.id));
    expect(new Set(walked.map((i) => i.id)).size).toBe(walked.length);
    const byFour = await walk(viewer.token, 4);
    expect(byFour.map((i) => i.id)).toEqual(full.map((i) => i.id));
  });

  test("following a suggestion removes it; a friendship made later adds one", async () => {
    const other = await createUserWithToken(ctx.t.sql);
    const a = await createUser(ctx.t.sql);
    const b = await createUser(ctx.t.sql);
    const c = await createUser(ctx.t.sql);
    await befriend(other, a);
    await befriend(a, b);
    await befriend(a, c);
    await befriend(other, c); // c is a friend already
    let items = (await suggest(other.token)).body.result.data.items as Suggestion[];
    expect(items.map((i) => [i.id, i.mutualFriends])).toEqual([[b.id, 1]]);
    const followed = await rpc(ctx.s.url, "social.follow", { userId: b.id }, { token: other.token });
    expect(followed.status).toBe(200);
    items = (await suggest(other.token)).body.result.data.items;
    expect(items).toEqual([]);
  });

  test("no friends: no suggestions; anonymous: UNAUTHORIZED; forged cursor: BAD_REQUEST", async () => {
    const lonely = await createUserWithToken(ctx.t.sql);
    const res = await suggest(lonely.token);
    expect(res.body.result.data).toEqual({ items: [], nextCursor: null });
    const anon = await rpc(ctx.s.url, "social.suggestions", {}, { method: "GET" });
    expect(anon.status).toBe(401);
    const forged = await suggest(viewer.token, { cursor: "not-a-cursor" });
    expect(forged.status).toBe(400);
    expect(forged.body.error.data.appCode).toBe("INVALID_CURSOR");
  });
});

// Derived data obeys the visibility policy: a friend bridges only if the caller may read their
// friend list (social.friends of them is not NOT_FOUND): public, or followers-only (a friend is
// followed by definition), never private, never across a block.
describe("social.suggestions under the visibility policy", () => {
  let viewer: TestUser & { token: string };
  const u: Record<string, TestUser> = {};
  const setVisibility = (user: TestUser, v: "public" | "followers" | "private") =>
    ctx.t.sql`UPDATE user_profiles SET visibility = ${v} WHERE user_id = ${user.id}`;

  beforeAll(async () => {
    viewer = await createUserWithToken(ctx.t.sql);
    for (const name of ["priv", "fol", "pub", "blk", "onlyPriv", "viaFol", "viaPub", "viaAll", "onlyBlk"]) {
      u[name] = await createUser(ctx.t.sql, { displayName: name });
    }
    for (const f of ["priv", "fol", "pub", "blk"]) await befriend(viewer, u[f]!);
    await setVisibility(u.priv!, "private");
    await setVisibility(u.fol!, "followers");
    await befriend(u.onlyPriv!, u.priv!);
    await befriend(u.viaFol!, u.fol!);
    await befriend(u.viaPub!, u.pub!);
    for (const f of ["priv", "fol", "pub"]) await befriend(u.viaAll!, u[f]!);
    // A friendship row that outlived a block (written behind social.block's back): still no bridge.
    await befriend(u.onlyBlk!, u.blk!);
    await ctx.t.sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${u.blk!.id}, ${viewer.id})`;
  });

  const byId = (a: TestUser, b: TestUser) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1);
  const ranked = async () =>
    ((await suggest(viewer.token, { limit: 100 })).body.result.data.items as Suggestion[]).map((i) => [i.id, i.mutualFriends]);

  test("a private friend bridges nothing; followers-only and public friends bridge; mutualFriends counts visible bridges only", async () => {
    const [a, b] = [u.viaFol!, u.viaPub!].sort(byId);
    expect(await ranked()).toEqual([[u.viaAll!.id, 2], [a!.id, 1], [b!.id, 1]]);
  });

  test("a candidate reached only through a private friend never shows, on any page", async () => {
    const walked = await walk(viewer.token, 1);
    expect(walked.map((i) => i.id)).not.toContain(u.onlyPriv!.id);
    expect(walked.map((i) => i.id)).not.toContain(u.onlyBlk!.id);
    // The private friend's friend list itself is NOT_FOUND to the viewer: the two answers agree.
    const friends = await rpc(ctx.s.url, "social.friends", { username: u.priv!.username }, { method: "GET", token: viewer.token });
    expect(friends.status).toBe(404);
  });

  test("the friend going public makes their friends suggestions; going private again hides them", async () => {
    await setVisibility(u.priv!, "public");
    expect((await ranked()).find(([id]) => id === u.onlyPriv!.id)).toEqual([u.onlyPriv!.id, 1]);
    expect((await ranked()).find(([id]) => id === u.viaAll!.id)).toEqual([u.viaAll!.id, 3]);
    await setVisibility(u.priv!, "private");
    expect((await ranked()).find(([id]) => id === u.onlyPriv!.id)).toBeUndefined();
  });
});
