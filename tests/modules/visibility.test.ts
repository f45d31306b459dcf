// THE visibility matrix, one table-driven test in the style of Mastodon's StatusPolicy spec:
// post status × author profile × viewer × action → allowed / NOT_FOUND / UNAUTHORIZED.
// The expected outcome comes from `expectedOutcome` below, a rule written here from the API
// contract, independent of the product's policy code. Every cell is checked over HTTP, and the
// rows the allowed writes left behind are compared with the table at the end.
//
// A suspended owner cannot hold a session (resolveSession rejects inactive accounts: their
// Bearer token is UNAUTHORIZED, asserted separately), so that viewer's row of the table calls the
// services directly with the owner's id: even the author's own identity sees nothing of a
// suspended account.
import { afterAll, beforeAll, expect, test, setDefaultTimeout } from "bun:test";
import { MemoryCache } from "../../src/lib/cache";
import { AppError } from "../../src/lib/errors";
import { createComment } from "../../src/modules/comment/comment.service";
import { bookmarkPost, likePost, repostPost } from "../../src/modules/post/post.interactions";
import { getPost, listPostsByUser } from "../../src/modules/post/post.service";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { block, createPost, createSessionToken, createUser, follow, type TestUser } from "../helpers/factories";
import { rpc, type RpcResult, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const STATUSES = ["published", "draft", "scheduled", "deleted"] as const;
const PROFILES = ["public", "followers", "private", "suspended"] as const;
const VIEWERS = ["anonymous", "stranger", "follower", "blocked", "blocker", "owner"] as const;
const ACTIONS = ["get", "listByUser", "like", "comment", "repost", "bookmark"] as const;

type Status = (typeof STATUSES)[number];
type Profile = (typeof PROFILES)[number];
type Viewer = (typeof VIEWERS)[number];
type Action = (typeof ACTIONS)[number];
type Outcome = "allowed" | "NOT_FOUND" | "UNAUTHORIZED";

/**
 * The contract, restated: writes need a session; a suspended author vanishes (even for
 * themselves); a deleted post is gone; drafts and scheduled posts are their author's alone (and
 * only readable, not interactable); a block either way hides everything; otherwise the profile
 * decides: public to all, followers-only to followers, private to nobody else.
 */
function expectedOutcome(status: Status, profile: Profile, viewer: Viewer, action: Action): Outcome {
  const write = action !== "get" && action !== "listByUser";
  if (viewer === "anonymous" && write) return "UNAUTHORIZED";
  if (profile === "suspended") return "NOT_FOUND";
  if (status === "deleted") return "NOT_FOUND";
  if (viewer === "owner") return status === "published" || !write ? "allowed" : "NOT_FOUND";
  if (status !== "published") return "NOT_FOUND";
  if (viewer === "blocked" || viewer === "blocker") return "NOT_FOUND";
  if (profile === "public") return "allowed";
  if (profile === "followers") return viewer === "follower" ? "allowed" : "NOT_FOUND";
  return "NOT_FOUND";
}

let t: TestDatabase;
let s: RunningServer;
const authors = {} as Record<Profile, TestUser & { token: string }>;
const viewers = {} as Record<Exclude<Viewer, "anonymous" | "owner">, TestUser & { token: string }>;
const posts = {} as Record<Profile, Record<Status, string>>;

beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer(t);
  const withToken = async (u: TestUser) => ({ ...u, token: await createSessionToken(t.sql, u.id) });
  for (const profile of PROFILES) {
    const user = await createUser(t.sql, { visibility: profile === "suspended" ? "public" : profile, username: `author_${profile}` });
    authors[profile] = await withToken(user);
  }
  for (const v of ["stranger", "follower", "blocked", "blocker"] as const) {
    viewers[v] = await withToken(await createUser(t.sql, { username: `viewer_${v}` }));
  }
  for (const profile of PROFILES) {
    const author = authors[profile];
    await follow(t.sql, viewers.follower.id, author.id);
    await block(t.sql, author.id, viewers.blocked.id); // the author blocked this viewer
    await block(t.sql, viewers.blocker.id, author.id); // this viewer blocked the author
    posts[profile] = {} as Record<Status, string>;
    for (const status of STATUSES) {
      const post = await createPost(t.sql, author.id, { status: status === "deleted" ? "published" : status, content: `${status} by ${profile}` });
      if (status === "deleted") await t.sql`UPDATE posts SET deleted_at = ${new Date().toISOString()} WHERE id = ${post.id}`;
      posts[profile][status] = post.id;
    }
  }
  await t.sql`UPDATE users SET status = 'suspended' WHERE id = ${authors.suspended.id}`;
}, 60_000);
afterAll(async () => {
  await s?.stop();
  await t?.close();
});

/** What a response means for the table: allowed, or the error code (anything else shows as-is). */
function outcomeOf(res: RpcResult): string {
  if (res.status === 200) return "allowed";
  return res.body?.error?.data?.code ?? `HTTP ${res.status}`;
}

/** The suspended owner's row: the services, called with the owner's id (no session can exist). */
const cache = new MemoryCache();
async function direct(fn: () => Promise<unknown>): Promise<{ outcome: string; data?: any }> {
  try {
    return { outcome: "allowed", data: await fn() };
  } catch (error) {
    if (error instanceof AppError) return { outcome: error.code };
    throw error;
  }
}

type Listing = { outcome: string; ids: string[] };

async function listing(profile: Profile, viewer: Viewer, status?: "draft" | "scheduled"): Promise<Listing> {
  const author = authors[profile];
  const input = { username: author.username, limit: 100, ...(status ? { status } : {}) };
  if (viewer === "owner" && profile === "suspended") {
    const r = await direct(() => listPostsByUser(t.db, cache, author.id, input));
    return { outcome: r.outcome, ids: r.data ? r.data.items.map((i: { post: { id: string } }) => i.post.id) : [] };
  }
  const token = viewer === "anonymous" ? undefined : viewer === "owner" ? author.token : viewers[viewer].token;
  const res = await rpc(s.url, "post.listByUser", input, { method: "GET", token });
  return { outcome: outcomeOf(res), ids: res.status === 200 ? res.body.result.data.items.map((i: { post: { id: string } }) => i.post.id) : [] };
}

async function perform(profile: Profile, status: Status, viewer: Viewer, action: Exclude<Action, "listByUser">): Promise<string> {
  const author = authors[profile];
  const postId = posts[profile][status];
  if (viewer === "owner" && profile === "suspended") {
    const uid = author.id;
    const calls = {
      get: () => getPost(t.db, cache, uid, postId),
      like: () => likePost(t.db, uid, postId),
      comment: () => createComment(t.db, uid, { postId, content: "hello" }),
      repost: () => repostPost(t.db, uid, postId),
      bookmark: () => bookmarkPost(t.db, uid, postId),
    };
    return (await direct(calls[action])).outcome;
  }
  const token = viewer === "anonymous" ? undefined : viewer === "owner" ? author.token : viewers[viewer].token;
  const res =
    action === "get"
      ? await rpc(s.url, "post.get", { postId }, { method: "GET", token })
      : action === "comment"
        ? await rpc(s.url, "comment.create", { postId, content: "hello" }, { token })
        : await rpc(s.url, `post.${action}`, { postId }, { token });
  const outcome = outcomeOf(res);
  // A 200 from post.get must be this very post.
  if (action === "get" && outcome === "allowed" && res.body.result.data.id !== postId) return "WRONG_POST";
  return outcome;
}

const viewerId = (profile: Profile, viewer: Viewer) => (viewer === "owner" ? authors[profile].id : viewer === "anonymous" ? null : viewers[viewer].id);

test("visibility matrix: status × profile × viewer × action (576 cells)", async () => {
  // A suspended owner's session is refused outright.
  const refused = await rpc(s.url, "post.get", { postId: posts.suspended.published }, { method: "GET", token: authors.suspended.token });
  expect({ status: refused.status, appCode: refused.body.error.data.appCode }).toEqual({ status: 401, appCode: "SESSION_INVALID" });

  // Listings once per (profile, viewer): the default (published) one and the author-only ones.
  const listings = new Map<string, { published: Listing; draft: Listing; scheduled: Listing }>();
  await Promise.all(
    PROFILES.flatMap((profile) =>
      VIEWERS.map(async (viewer) => {
        const [published, draft, scheduled] = await Promise.all([
          listing(profile, viewer), listing(profile, viewer, "draft"), listing(profile, viewer, "scheduled"),
        ]);
        listings.set(`${profile}/${viewer}`, { published, draft, scheduled });
      }),
    ),
  );

  const cells: { status: Status; profile: Profile; viewer: Viewer; action: Action }[] = [];
  for (const status of STATUSES) for (const profile of PROFILES) for (const viewer of VIEWERS) for (const action of ACTIONS) {
    cells.push({ status, profile, viewer, action });
  }

  const mismatches: string[] = [];
  let checked = 0;
  // Writes of one viewer on different posts do not interfere: run the table in parallel chunks.
  const CHUNK = 48;
  for (let i = 0; i < cells.length; i += CHUNK) {
    await Promise.all(
      cells.slice(i, i + CHUNK).map(async ({ status, profile, viewer, action }) => {
        let actual: string;
        if (action === "listByUser") {
          const l = listings.get(`${profile}/${viewer}`)!;
          const postId = posts[profile][status];
          const home = status === "draft" || status === "scheduled" ? l[status] : l.published;
          const others = [l.published, l.draft, l.scheduled].filter((x) => x !== home);
          const bad = [l.published, l.draft, l.scheduled].find((x) => x.outcome !== "allowed" && x.outcome !== "NOT_FOUND");
          if (bad) actual = bad.outcome;
          else if (others.some((x) => x.ids.includes(postId))) actual = "LISTED_UNDER_WRONG_STATUS";
          else actual = home.ids.includes(postId) ? "allowed" : "NOT_FOUND";
        } else {
          actual = await perform(profile, status, viewer, action);
        }
        const expected = expectedOutcome(status, profile, viewer, action);
        checked++;
        if (actual !== expected) mismatches.push(`${status} post × ${profile} author × ${viewer} × ${action}: expected ${expected}, got ${actual}`);
      }),
    );
  }

  console.log(`visibility matrix: ${checked} cells checked (${mismatches.length} mismatches)`);
  expect(mismatches).toEqual([]);
  expect(checked).toBe(STATUSES.length * PROFILES.length * VIEWERS.length * ACTIONS.length);
  expect(checked).toBe(576);

  // The writes that were allowed left exactly their rows, and the refused ones left none.
  const want = (action: Action) =>
    cells
      .filter((c) => c.action === action && expectedOutcome(c.status, c.profile, c.viewer, action) === "allowed")
      .map((c) => `${posts[c.profile][c.status]}:${viewerId(c.profile, c.viewer)}`)
      .sort();
  const rows = async (query: PromiseLike<readonly { k: string }[]>) => (await query).map((r) => r.k).sort();
  expect(await rows(t.sql`SELECT post_id || ':' || user_id AS k FROM post_interactions WHERE type = 'like'`)).toEqual(want("like"));
  expect(await rows(t.sql`SELECT post_id || ':' || user_id AS k FROM post_interactions WHERE type = 'bookmark'`)).toEqual(want("bookmark"));
  expect(await rows(t.sql`SELECT post_id || ':' || user_id AS k FROM reposts`)).toEqual(want("repost"));
  expect(await rows(t.sql`SELECT post_id || ':' || user_id AS k FROM comments`)).toEqual(want("comment"));
  // Sanity of the table itself: each write is allowed for owner, stranger and follower on public,
  // owner and follower on followers-only, owner on private: 6 published cells.
  expect(want("like")).toHaveLength(6);
}, 30_000);
