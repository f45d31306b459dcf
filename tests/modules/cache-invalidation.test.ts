// Every domain event against every cached read (src/modules/events/cache-invalidation.ts):
//   home (feed.home, per viewer), discover (feed.discover, shared), feed (feed.execute, per feed and
//   viewer) and profile (user.get's cached profile row).
// Each test builds its own small world before any read is cached, warms every cached read, makes
// one change over HTTP (or as an operator), and reads again at once. Removals must vanish from
// every cached read immediately (hydration under the policy + fresh account checks); additions
// must show at once where the spec promises it (home, profile). Discover and custom feeds pick up
// *new* candidates when their entry expires (5 min / 2 min) or, for a feed, when it is edited.
// The first test proves the caches are really on: a change made behind the app's back (no event)
// stays invisible to a cached home page.
import { beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { setAccountStatus } from "../../src/modules/user/account-status";
import { createPost, follow, TEST_PASSWORD, type TestPost } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);

const ALL_TYPES = ["text_short", "text_long", "image", "image_gallery", "gif", "video_short", "video_long", "song", "album"];

/** viewer follows author (public) and reposter; reposter reposted `other`'s post, which the viewer reaches only that way. */
interface World {
  viewer: Authed;
  author: Authed;
  reposter: Authed;
  other: Authed;
  locked: Authed;
  post: TestPost;
  otherPost: TestPost;
  lockedPost: TestPost;
  repostId: string;
  feedId: string;
}

async function buildWorld(): Promise<World> {
  const [viewer, author, reposter, other] = [await user(), await user(), await user(), await user()];
  const locked = await user({ visibility: "followers" });
  await follow(ctx.t.sql, viewer.id, author.id);
  await follow(ctx.t.sql, viewer.id, reposter.id);
  const post = await createPost(ctx.t.sql, author.id);
  const otherPost = await createPost(ctx.t.sql, other.id);
  const lockedPost = await createPost(ctx.t.sql, locked.id);
  ok(await mutate(reposter, "post.repost", { postId: otherPost.id }));
  const [repost] = await ctx.t.sql<{ id: string }[]>`SELECT id::text FROM reposts WHERE user_id = ${reposter.id}`;
  const feed = ok(await mutate(viewer, "feed.create", {
    name: "everything", algorithmConfig: { filters: [{ type: "post_type", operator: "contains", value: ALL_TYPES }] },
  }));
  return { viewer, author, reposter, other, locked, post, otherPost, lockedPost, repostId: repost!.id, feedId: feed.id };
}

const home = async (w: World) => ok(await query(w.viewer, "feed.home", { limit: 100 })).items.map((i: { id: string }) => i.id) as string[];
const discover = async (w: World) =>
  ok(await query(w.viewer, "feed.discover", { window: "24h", limit: 100 })).items.map((i: { post: { id: string } }) => i.post.id) as string[];
const feed = async (w: World) =>
  ok(await query(w.viewer, "feed.execute", { feedId: w.feedId, limit: 100 })).items.map((i: { post: { id: string } }) => i.post.id) as string[];
const profile = (w: World, who: Authed) => query(w.viewer, "user.get", { username: who.username });
const p = (post: { id: string }) => `p${post.id}`;
const r = (repostId: string) => `r${repostId}`;

/** Reads every cached view once, so the next reads come from the caches; checks the starting point. */
async function warm(w: World) {
  expect(await home(w)).toEqual(expect.arrayContaining([p(w.post), r(w.repostId)]));
  expect(await discover(w)).toEqual(expect.arrayContaining([w.post.id, w.otherPost.id]));
  expect(await feed(w)).toEqual(expect.arrayContaining([w.post.id, w.otherPost.id]));
  for (const who of [w.author, w.reposter, w.locked]) ok(await profile(w, who));
}

/** The author's post is out of home, discover and the feed (and, with `repost`, the reposter's repost out of home). */
async function expectGone(w: World, opts: { repost?: boolean } = {}) {
  const items = await home(w);
  expect(items).not.toContain(p(w.post));
  if (opts.repost) expect(items).not.toContain(r(w.repostId));
  expect(await discover(w)).not.toContain(w.post.id);
  expect(await feed(w)).not.toContain(w.post.id);
}

const SCENARIOS = [
  "no event", "post.published", "post.deleted", "repost.created", "repost.removed", "follow.started", "follow.ended",
  "follow approved", "block.changed", "mute.changed", "profile.updated", "profile.visibilityChanged (author)",
  "profile.visibilityChanged (reposter)", "account.statusChanged (suspend)", "account.statusChanged (delete)",
  "account.statusChanged (SQL)", "feed.changed",
] as const;
const worlds = {} as Record<(typeof SCENARIOS)[number], World>;

beforeAll(async () => {
  // Every world exists before the first discover page is cached (it is shared by all viewers).
  for (const name of SCENARIOS) worlds[name] = await buildWorld();
  for (const name of SCENARIOS) await warm(worlds[name]);
}, 120_000);

describe("the caches are on", () => {
  test("a post written behind the app's back (no event) stays out of a cached home page", async () => {
    const w = worlds["no event"];
    const sneaky = await createPost(ctx.t.sql, w.author.id);
    expect(await home(w)).not.toContain(p(sneaky));
    expect(await discover(w)).not.toContain(sneaky.id);
    expect(await feed(w)).not.toContain(sneaky.id);
  });
});

describe("posts and reposts", () => {
  test("post.published: home and the profile's post count at once", async () => {
    const w = worlds["post.published"];
    const created = ok(await mutate(w.author, "post.create", { type: "text_short", content: "just now" }));
    expect(await home(w)).toContain(p(created));
    expect(ok(await profile(w, w.author)).counts.posts).toBe(2);
    // A draft is not an event: nothing shows.
    const draft = ok(await mutate(w.author, "post.create", { type: "text_short", content: "later", status: "draft" }));
    expect(await home(w)).not.toContain(p(draft));
  });

  test("post.deleted: gone from home, discover, the feed and the count", async () => {
    const w = worlds["post.deleted"];
    ok(await mutate(w.author, "post.delete", { postId: w.post.id }));
    await expectGone(w);
    expect(ok(await profile(w, w.author)).counts.posts).toBe(0);
  });

  test("repost.created shows in home at once; repost.removed vanishes", async () => {
    const w = worlds["repost.created"];
    const fresh = await createPost(ctx.t.sql, w.other.id);
    ok(await mutate(w.reposter, "post.repost", { postId: fresh.id }));
    const [row] = await ctx.t.sql<{ id: string }[]>`SELECT id::text FROM reposts WHERE user_id = ${w.reposter.id} AND post_id = ${fresh.id}`;
    expect(await home(w)).toContain(r(row!.id));

    const u = worlds["repost.removed"];
    ok(await mutate(u.reposter, "post.unrepost", { postId: u.otherPost.id }));
    expect(await home(u)).not.toContain(r(u.repostId));
  });
});

describe("the graph", () => {
  test("follow.started: the followed account's posts join home at once; follow.ended: they leave", async () => {
    const w = worlds["follow.started"];
    ok(await mutate(w.viewer, "social.follow", { userId: w.other.id }));
    expect(await home(w)).toContain(p(w.otherPost));
    expect(ok(await profile(w, w.other)).relation.isFollowing).toBe(true);

    const u = worlds["follow.ended"];
    ok(await mutate(u.viewer, "social.unfollow", { userId: u.author.id }));
    expect(await home(u)).not.toContain(p(u.post));
    expect(ok(await profile(u, u.author)).relation.isFollowing).toBe(false);
  });

  test("a follow request changes nothing; its approval opens home and the profile at once", async () => {
    const w = worlds["follow approved"];
    expect(ok(await mutate(w.viewer, "social.follow", { userId: w.locked.id })).requested).toBe(true);
    expect(await home(w)).not.toContain(p(w.lockedPost));
    expect(ok(await profile(w, w.locked)).isVisible).toBe(false);
    ok(await mutate(w.locked, "social.approveFollow", { userId: w.viewer.id }));
    expect(await home(w)).toContain(p(w.lockedPost));
    expect(ok(await profile(w, w.locked)).isVisible).toBe(true);
  });

  test("block.changed: the author's posts and the reposter's reposts vanish everywhere; the profile is NOT_FOUND", async () => {
    const w = worlds["block.changed"];
    ok(await mutate(w.author, "social.block", { userId: w.viewer.id }));
    ok(await mutate(w.reposter, "social.block", { userId: w.viewer.id }));
    await expectGone(w, { repost: true });
    expectError(await profile(w, w.author), "NOT_FOUND");
    expectError(await profile(w, w.reposter), "NOT_FOUND");
  });

  test("mute.changed: a muted reposter's reposts and a muted author's posts vanish", async () => {
    const w = worlds["mute.changed"];
    ok(await mutate(w.viewer, "social.mute", { userId: w.reposter.id }));
    ok(await mutate(w.viewer, "social.mute", { userId: w.author.id }));
    await expectGone(w, { repost: true });
    expect(ok(await profile(w, w.author)).relation.isMuted).toBe(true);
  });
});

describe("profiles and accounts", () => {
  test("profile.updated: the new bio at once", async () => {
    const w = worlds["profile.updated"];
    ok(await mutate(w.author, "user.updateProfile", { bio: "changed just now" }));
    expect(ok(await profile(w, w.author)).bio).toBe("changed just now");
  });

  test("profile.visibilityChanged: an author turning private vanishes from every read", async () => {
    const w = worlds["profile.visibilityChanged (author)"];
    ok(await mutate(w.author, "user.updateProfile", { visibility: "private" }));
    await expectGone(w);
    expect(ok(await profile(w, w.author)).isVisible).toBe(false);
  });

  test("profile.visibilityChanged: a reposter turning private takes their reposts out of followers' homes", async () => {
    const w = worlds["profile.visibilityChanged (reposter)"];
    ok(await mutate(w.reposter, "user.updateProfile", { visibility: "private" }));
    expect(await home(w)).not.toContain(r(w.repostId));
    expect(ok(await profile(w, w.reposter)).isVisible).toBe(false);
  });

  test("account.statusChanged: a suspension (operator) removes the account from every read", async () => {
    const w = worlds["account.statusChanged (suspend)"];
    const { database, cache } = ctx.s.deps;
    await setAccountStatus(database.db, cache, w.reposter.username, "suspended");
    await setAccountStatus(database.db, cache, w.author.username, "suspended");
    await expectGone(w, { repost: true });
    expectError(await profile(w, w.author), "NOT_FOUND");
    // Suspension signs the account out; a restore brings everything back at once.
    expectError(await query(w.author, "auth.me", {}), "UNAUTHORIZED");
    await setAccountStatus(database.db, cache, w.author.username, "active");
    expect(ok(await profile(w, w.author)).isVisible).toBe(true);
    expect(await home(w)).toContain(p(w.post));
  });

  test("account.statusChanged: a reposter deleting their account takes their reposts out at once", async () => {
    const w = worlds["account.statusChanged (delete)"];
    expect(ok(await mutate(w.reposter, "user.delete", { password: TEST_PASSWORD }))).toEqual({ deleted: true });
    expect(await home(w)).not.toContain(r(w.repostId));
    expectError(await profile(w, w.reposter), "NOT_FOUND");
  });

  test("a status set by hand in SQL (no event) still takes effect at once: fresh checks, not only events", async () => {
    const w = worlds["account.statusChanged (SQL)"];
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id IN (${w.author.id}, ${w.reposter.id})`;
    await expectGone(w, { repost: true });
    expectError(await profile(w, w.author), "NOT_FOUND");
  });
});

describe("feeds", () => {
  test("feed.changed: an edited feed answers with its new rule at once", async () => {
    const w = worlds["feed.changed"];
    const fresh = await createPost(ctx.t.sql, w.author.id, { type: "text_long" });
    expect(await feed(w)).not.toContain(fresh.id); // cached before it existed
    ok(await mutate(w.viewer, "feed.update", {
      feedId: w.feedId, algorithmConfig: { filters: [{ type: "post_type", operator: "equals", value: "text_long" }] },
    }));
    const ids = await feed(w);
    expect(ids).toContain(fresh.id);
    expect(ids).not.toContain(w.post.id);
  });
});

describe("one invalidation map", () => {
  test("no module but cache-invalidation.ts invalidates a cache (bump, bumpMany, del): everyone else emits events", async () => {
    const { Glob } = await import("bun");
    const offenders: string[] = [];
    for await (const file of new Glob("src/**/*.ts").scan(".")) {
      // The cache implementations themselves, and the replica floor wrapper around them.
      if (["src/lib/cache.ts", "src/db/replica-cache.ts", "src/modules/events/cache-invalidation.ts"].includes(file)) continue;
      const text = await Bun.file(file).text();
      for (const [i, line] of text.split("\n").entries()) {
        if (/\.(bump|bumpMany)\(|cache\.del\(/.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
