// What issue 19 adds to posts, over HTTP: content warnings (posts, comments, sensitive media,
// searchable spoiler text), edit history (post.update records the replaced version, post.history,
// editedAt), pins (5 at most, also under concurrency, listed first by post.listByUser) and quote
// posts (embedded per reader, re-checked against blocks and visibility, the quoted author notified
// and able to detach).
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { block, createPost, createUpload, follow } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);
const sql = () => ctx.t.sql;

const create = (author: Authed, input: Record<string, unknown>) => mutate(author, "post.create", { type: "text_short", ...input });
const notificationsOf = async (userId: string, type: string): Promise<{ post_id: string; actor_id: string | null }[]> =>
  [...(await sql()<{ post_id: string; actor_id: string | null }[]>`
    SELECT post_id::text, actor_id::text FROM notifications WHERE user_id = ${userId} AND type = ${type}`)];

describe("content warnings", () => {
  test("spoilerText on a post and a comment is returned by every read; a blank one is none; over 500 characters is BAD_REQUEST", async () => {
    const author = await user();
    const reader = await user();
    const post = ok(await create(author, { content: "the finale", spoilerText: "  Spoilers: season 3  " }));
    expect(post.spoilerText).toBe("Spoilers: season 3");
    expect(ok(await query(reader, "post.get", { postId: post.id })).spoilerText).toBe("Spoilers: season 3");
    const listed = ok(await query(reader, "post.listByUser", { username: author.username }));
    expect(listed.items[0].post.spoilerText).toBe("Spoilers: season 3");
    expect(ok(await create(author, { content: "plain", spoilerText: "   " })).spoilerText).toBeNull();
    expectErrorData(await create(author, { content: "x", spoilerText: "a".repeat(501) }), "BAD_REQUEST", { field: "spoilerText" });

    const comment = ok(await mutate(reader, "comment.create", { postId: post.id, content: "no way", spoilerText: "reaction" }));
    expect(comment.spoilerText).toBe("reaction");
    const comments = ok(await query(author, "comment.list", { postId: post.id }));
    expect(comments.items[0].spoilerText).toBe("reaction");
    expectErrorData(await mutate(reader, "comment.create", { postId: post.id, content: "x", spoilerText: "b".repeat(501) }), "BAD_REQUEST", { field: "spoilerText" });
  });

  test("sensitive media: marked per item, also by a content warning, and changeable by an edit", async () => {
    const author = await user();
    const up = await createUpload(sql(), author.id);
    const post = ok(await create(author, { type: "image", content: "look", uploadIds: [up.id], sensitive: true }));
    expect(post.media.map((m: any) => m.sensitive)).toEqual([true]);
    expect(post.sensitive).toBe(true);
    const calm = ok(await mutate(author, "post.update", { postId: post.id, sensitive: false }));
    expect(calm.media[0].sensitive).toBe(false);
    expect(calm.sensitive).toBe(false);
    const up2 = await createUpload(sql(), author.id);
    const warned = ok(await create(author, { type: "image", content: "look", uploadIds: [up2.id], spoilerText: "flash" }));
    expect(warned.media[0].sensitive).toBe(true);
  });

  test("search finds a post by the words of its content warning", async () => {
    const author = await user();
    const word = `zyx${Date.now().toString(36)}`;
    const post = ok(await create(author, { content: "nothing to see", spoilerText: `about ${word}` }));
    const found = ok(await query(null, "search.posts", { query: word }));
    expect(found.items.map((i: any) => i.post.id)).toEqual([post.id]);
  });
});

describe("edit history", () => {
  test("editing a published post records the replaced version; post.history lists them newest first; reads show editedAt", async () => {
    const author = await user();
    const reader = await user();
    const post = ok(await create(author, { content: "first", spoilerText: "cw one" }));
    expect(post.editedAt).toBeNull();
    const edited = ok(await mutate(author, "post.update", { postId: post.id, content: "second" }));
    expect(edited.editedAt).not.toBeNull();
    expect(ok(await query(reader, "post.get", { postId: post.id })).editedAt).toBe(edited.editedAt);
    ok(await mutate(author, "post.update", { postId: post.id, spoilerText: null }));
    const history = ok(await query(reader, "post.history", { postId: post.id }));
    expect(history.versions.map((v: any) => [v.current, v.content, v.spoilerText])).toEqual([
      [true, "second", null], [false, "second", "cw one"], [false, "first", "cw one"],
    ]);
    expect(history.versions[1].replacedAt >= history.versions[2].replacedAt).toBe(true);
    expect(history.versions[0].replacedAt).toBeNull();
  });

  test("an edit that changes nothing records nothing; drafts keep no history", async () => {
    const author = await user();
    const post = ok(await create(author, { content: "same" }));
    const again = ok(await mutate(author, "post.update", { postId: post.id, content: "same" }));
    expect(again.editedAt).toBeNull();
    const draft = ok(await create(author, { content: "draft one", status: "draft" }));
    ok(await mutate(author, "post.update", { postId: draft.id, content: "draft two" }));
    const history = ok(await query(author, "post.history", { postId: draft.id }));
    expect(history.versions).toHaveLength(1);
    const [row] = await sql()<{ n: number }[]>`SELECT count(*)::int AS n FROM post_edits WHERE post_id IN (${post.id}, ${draft.id})`;
    expect(row!.n).toBe(0);
  });

  test("history follows the post's visibility: someone else's draft, a blocked reader, a private profile → NOT_FOUND", async () => {
    const author = await user();
    const stranger = await user();
    const draft = ok(await create(author, { content: "secret", status: "draft" }));
    const missing = await query(stranger, "post.history", { postId: "999999999" });
    expectErrorData(missing, "NOT_FOUND");
    const hidden = await query(stranger, "post.history", { postId: draft.id });
    expect(hidden.body).toEqual(missing.body);
    const post = ok(await create(author, { content: "public" }));
    await block(sql(), author.id, stranger.id);
    expectErrorData(await query(stranger, "post.history", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await mutate(stranger, "post.update", { postId: post.id, content: "mine now" }), "NOT_FOUND");
  });
});

describe("pins", () => {
  test("up to 5 pins; listed first on the first page of post.listByUser, newest pin first, and not again below", async () => {
    const author = await user();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(ok(await create(author, { content: `post ${i}` })).id);
    for (const id of [ids[0]!, ids[2]!]) ok(await mutate(author, "post.pin", { postId: id }));
    const page = ok(await query(null, "post.listByUser", { username: author.username, limit: 3 }));
    expect(page.items.map((i: any) => i.post.id)).toEqual([ids[2], ids[0], ids[6], ids[5], ids[4]]);
    expect(page.items.map((i: any) => i.post.pinned)).toEqual([true, true, false, false, false]);
    const rest = ok(await query(null, "post.listByUser", { username: author.username, limit: 10, cursor: page.nextCursor }));
    expect(rest.items.map((i: any) => i.post.id)).toEqual([ids[3], ids[1]]);
    // Idempotent, and the sixth is refused.
    expect(ok(await mutate(author, "post.pin", { postId: ids[0] }))).toEqual({ pinned: true, pinnedCount: 2 });
    for (const id of [ids[1]!, ids[3]!, ids[4]!]) ok(await mutate(author, "post.pin", { postId: id }));
    expectErrorData(await mutate(author, "post.pin", { postId: ids[5] }), "CONFLICT", { appCode: "PIN_LIMIT" });
    expect(ok(await mutate(author, "post.unpin", { postId: ids[4] }))).toEqual({ pinned: false, pinnedCount: 4 });
    ok(await mutate(author, "post.pin", { postId: ids[5] }));
  });

  test("concurrent pins of one account never exceed 5", async () => {
    const author = await user();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await createPost(sql(), author.id)).id);
    const results = await Promise.all(ids.map((postId) => mutate(author, "post.pin", { postId })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.body?.error?.data?.appCode === "PIN_LIMIT")).toHaveLength(5);
    const [row] = await sql()<{ n: number }[]>`SELECT count(*)::int AS n FROM posts WHERE user_id = ${author.id} AND pinned_at IS NOT NULL`;
    expect(row!.n).toBe(5);
  });

  test("only the author pins their own published post; deleting a post unpins it", async () => {
    const author = await user();
    const other = await user();
    const post = ok(await create(author, { content: "mine" }));
    const draft = ok(await create(author, { content: "draft", status: "draft" }));
    expectErrorData(await mutate(other, "post.pin", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await mutate(author, "post.pin", { postId: draft.id }), "NOT_FOUND");
    ok(await mutate(author, "post.pin", { postId: post.id }));
    ok(await mutate(author, "post.delete", { postId: post.id }));
    ok(await mutate(author, "post.restore", { postId: post.id }));
    expect(ok(await query(author, "post.get", { postId: post.id })).pinned).toBe(false);
  });

  test("the public profile page shows pinned posts first", async () => {
    const author = await user();
    const old = ok(await create(author, { content: "pinned-one-old" }));
    ok(await create(author, { content: "newest-unpinned" }));
    ok(await mutate(author, "post.pin", { postId: old.id }));
    const html = await (await fetch(`${ctx.s.url}/@${author.username}`)).text();
    expect(html.indexOf("pinned-one-old")).toBeGreaterThan(-1);
    expect(html.indexOf("pinned-one-old")).toBeLessThan(html.indexOf("newest-unpinned"));
  });
});

describe("quote posts", () => {
  test("a quote embeds the quoted post, notifies its author, and shows to each reader only what they may see", async () => {
    const quoted = await user({ visibility: "followers" });
    const quoter = await user();
    const follower = await user();
    const stranger = await user();
    await follow(sql(), quoter.id, quoted.id);
    await follow(sql(), follower.id, quoted.id);
    const original = ok(await create(quoted, { content: "for my followers" }));
    const quote = ok(await create(quoter, { content: "look at this", quotePostId: original.id }));
    expect(quote.quote.state).toBe("visible");
    expect(quote.quote.post.id).toBe(original.id);
    expect(quote.quote.post.hasQuote).toBe(false);
    expect(ok(await query(follower, "post.get", { postId: quote.id })).quote.post.content).toBe("for my followers");
    // A reader who may not see the quoted post sees the quote without it, and without its id.
    const theirs = ok(await query(stranger, "post.get", { postId: quote.id }));
    expect(theirs.quote).toEqual({ state: "unavailable", post: null });
    expect(JSON.stringify(theirs)).not.toContain(`"${original.id}"`);
    expect(ok(await query(null, "post.listByUser", { username: quoter.username })).items[0].post.quote).toEqual({ state: "unavailable", post: null });
    expect(await notificationsOf(quoted.id, "quote")).toEqual([{ post_id: quote.id, actor_id: quoter.id }]);
    // A block either way hides it too; a deleted original is just as unavailable.
    await block(sql(), quoted.id, follower.id);
    expect(ok(await query(follower, "post.get", { postId: quote.id })).quote).toEqual({ state: "unavailable", post: null });
    await sql()`UPDATE posts SET deleted_at = NOW() WHERE id = ${original.id}`;
    expect(ok(await query(quoter, "post.get", { postId: quote.id })).quote).toEqual({ state: "unavailable", post: null });
  });

  test("quoting what you may not see is NOT_FOUND, like quoting nothing; a draft quote notifies at publish", async () => {
    const locked = await user({ visibility: "private" });
    const quoter = await user();
    const hidden = ok(await create(locked, { content: "private" }));
    const missing = await create(quoter, { content: "x", quotePostId: "999999999" });
    expectErrorData(missing, "NOT_FOUND");
    expect((await create(quoter, { content: "x", quotePostId: hidden.id })).body).toEqual(missing.body);
    const author = await user();
    const original = ok(await create(author, { content: "quotable" }));
    const draft = ok(await create(quoter, { content: "later", quotePostId: original.id, status: "draft" }));
    expect(await notificationsOf(author.id, "quote")).toEqual([]);
    ok(await mutate(quoter, "post.publish", { postId: draft.id }));
    expect(await notificationsOf(author.id, "quote")).toEqual([{ post_id: draft.id, actor_id: quoter.id }]);
  });

  test("the quoted author detaches their post; only they can; the embed then says detached for everyone", async () => {
    const author = await user();
    const quoter = await user();
    const original = ok(await create(author, { content: "not for quoting" }));
    const quote = ok(await create(quoter, { content: "ha", quotePostId: original.id }));
    expectErrorData(await mutate(quoter, "post.detachQuote", { postId: quote.id }), "NOT_FOUND");
    expectErrorData(await mutate(author, "post.detachQuote", { postId: original.id }), "NOT_FOUND");
    expect(ok(await mutate(author, "post.detachQuote", { postId: quote.id }))).toEqual({ detached: true });
    expect(ok(await query(null, "post.get", { postId: quote.id })).quote).toEqual({ state: "detached", post: null });
    expect(ok(await query(author, "post.get", { postId: quote.id })).quote).toEqual({ state: "detached", post: null });
  });

  test("a poll shows in every read: post.get, post.listByUser, the home timeline, and inside a quote", async () => {
    const author = await user();
    const reader = await user();
    await follow(sql(), reader.id, author.id);
    ok(await query(reader, "feed.home", {}));
    const poll = { options: ["tea", "coffee"], expiresInSeconds: 3600 };
    const post = ok(await create(author, { content: "which?", poll }));
    const plain = ok(await create(author, { content: "no poll here" }));
    const quote = ok(await create(reader, { content: "vote!", quotePostId: post.id }));
    const options = (p: any) => p.poll?.options.map((o: any) => o.title) ?? null;
    expect(options(ok(await query(reader, "post.get", { postId: post.id })))).toEqual(["tea", "coffee"]);
    expect(options(ok(await query(reader, "post.get", { postId: plain.id })))).toBeNull();
    const listed = ok(await query(null, "post.listByUser", { username: author.username }));
    expect(listed.items.map((i: any) => options(i.post))).toEqual([null, ["tea", "coffee"]]);
    const home = ok(await query(reader, "feed.home", {}));
    expect(options(home.items.find((i: any) => i.post.id === post.id).post)).toEqual(["tea", "coffee"]);
    expect(options(ok(await query(author, "post.get", { postId: quote.id })).quote.post)).toEqual(["tea", "coffee"]);
    // Removing the poll by an edit shows at once (the cached content is keyed by updated_at).
    ok(await mutate(author, "post.update", { postId: post.id, poll: null }));
    expect(options(ok(await query(reader, "post.get", { postId: post.id })))).toBeNull();
    expect(options(ok(await query(reader, "feed.home", {})).items.find((i: any) => i.post.id === post.id).post)).toBeNull();
  });

  test("quotes show in materialized home timelines too", async () => {
    const author = await user();
    const quoter = await user();
    const reader = await user();
    await follow(sql(), reader.id, quoter.id);
    const original = ok(await create(author, { content: "origin" }));
    ok(await query(reader, "feed.home", {}));
    const quote = ok(await create(quoter, { content: "quoting", quotePostId: original.id }));
    const home = ok(await query(reader, "feed.home", {}));
    const item = home.items.find((i: any) => i.post.id === quote.id);
    expect(item.post.quote.post.content).toBe("origin");
  });
});
