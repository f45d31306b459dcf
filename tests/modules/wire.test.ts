// The wire contract shared by every module (CHANGELOG "Unreleased"): one timeline item shape for
// every timeline, optional inputs that may be left out, and the media id naming of post.create.
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { createPost, follow } from "../helpers/factories";
import { callersOf, expectError, ok, rpc, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { query, mutate, user } = callersOf(ctx);

describe("every timeline answers the same item shape", () => {
  test("home, discover, execute, list posts, profile posts and bookmarks: { id, kind, post, repost } items", async () => {
    const viewer = await user();
    const author = await user();
    await follow(ctx.t.sql, viewer.id, author.id);
    const post = await createPost(ctx.t.sql, author.id, { content: "#wire one" });
    ok(await mutate(viewer, "post.bookmark", { postId: post.id }));
    const list = ok(await mutate(viewer, "list.create", { name: "wire" }));
    ok(await mutate(viewer, "list.addMember", { listId: list.id, userId: author.id }));
    const feed = ok(await mutate(viewer, "feed.create", { name: "wire", algorithmConfig: { filters: [{ type: "author", operator: "equals", value: author.id }] } }));

    const pages: Record<string, any> = {
      "feed.home": ok(await query(viewer, "feed.home")),
      "feed.discover": ok(await query(viewer, "feed.discover", { window: "24h" })),
      "feed.execute": ok(await query(viewer, "feed.execute", { feedId: feed.id })),
      "list.posts": ok(await query(viewer, "list.posts", { listId: list.id })),
      "post.listByUser": ok(await query(viewer, "post.listByUser", { username: author.username })),
      "post.bookmarks": ok(await query(viewer, "post.bookmarks")),
    };
    const postView = ok(await query(viewer, "post.get", { postId: post.id }));
    for (const [procedure, page] of Object.entries(pages)) {
      expect({ procedure, keys: Object.keys(page).sort() }).toEqual({ procedure, keys: ["items", "nextCursor"] });
      const item = page.items.find((i: any) => i.post.id === post.id);
      expect({ procedure, item }).toEqual({ procedure, item: { id: `p${post.id}`, kind: "post", post: postView, repost: null } });
    }

    // A repost is the same item, kind "repost", in every timeline that shows reposts.
    ok(await mutate(author, "post.repost", { postId: post.id, comment: "again" }));
    for (const procedure of ["feed.home", "list.posts"]) {
      const input = procedure === "list.posts" ? { listId: list.id } : undefined;
      const repost = ok(await query(viewer, procedure, input)).items.find((i: any) => i.kind === "repost");
      expect(Object.keys(repost).sort()).toEqual(["id", "kind", "post", "repost"]);
      expect(repost).toMatchObject({ id: `r${repost.repost.id}`, post: { id: post.id }, repost: { by: { id: author.id }, comment: "again" } });
    }
  });
});

describe("optional inputs may be omitted", () => {
  test("queries whose fields are all optional answer a plain GET without ?input= (defaults applied)", async () => {
    const viewer = await user();
    for (const procedure of [
      "feed.home", "feed.discover", "post.bookmarks", "list.mine", "social.suggestions", "social.blocked", "social.muted",
      "message.conversations", "notification.list",
    ]) {
      const res = await fetch(`${ctx.s.url}/api/rpc/${procedure}`, { headers: { authorization: `Bearer ${viewer.token}` } });
      const body = (await res.json()) as any;
      expect({ procedure, status: res.status }).toEqual({ procedure, status: 200 });
      expect({ procedure, data: body.result.data }).toEqual({ procedure, data: { items: expect.any(Array), nextCursor: null } });
    }
    // The same with an explicit {} and with nothing give the same answer; the defaults still hold.
    expect(ok(await query(viewer, "feed.discover"))).toEqual(ok(await query(viewer, "feed.discover", {})));
    expectError(await query(viewer, "feed.home", { limit: 0 }), "BAD_REQUEST", "limit");
    expectError(await query(viewer, "feed.home", { extra: 1 }), "BAD_REQUEST", "extra");
  });

  test("mutations too: user.updateStyle with no body changes nothing; updateProfile says there is nothing to update", async () => {
    const me = await user();
    expect(ok(await mutate(me, "user.updateStyle"))).toEqual({ style: {}, removed: [] });
    const res = await mutate(me, "user.updateProfile");
    expectError(res, "BAD_REQUEST");
    expect(res.body.error.message).toContain("Nothing to update");
    // A procedure with required fields still requires its input.
    expectError(await query(me, "post.get"), "BAD_REQUEST");
  });
});

describe("media ids on the wire", () => {
  test("post.create takes uploadIds; the old mediaIds is an unknown key", async () => {
    const me = await user();
    expectError(await mutate(me, "post.create", { type: "image", uploadIds: ["999999"] }), "BAD_REQUEST", "uploadIds");
    expectError(await mutate(me, "post.create", { type: "image", mediaIds: ["999999"] }), "BAD_REQUEST", "mediaIds");
  });

  test("profiles carry no layout: their sections are section.list's", async () => {
    const me = await user();
    ok(await mutate(me, "section.create", { type: "links", title: "Links" }));
    const profile = ok(await rpc(ctx.s.url, "user.get", { username: me.username }, { method: "GET" }));
    expect(profile).not.toHaveProperty("layout");
    expect(ok(await query(me, "auth.me")).profile).not.toHaveProperty("layout");
    expect(ok(await query(null, "section.list", { username: me.username })).map((s: any) => s.title)).toEqual(["Links"]);
  });
});
