// Comments over HTTP: nested replies (a parent must belong to the same post), comment.list (top
// level, newest first, keyset), comment.replies (oldest first), deletion by the comment's or the
// post's author only, exact counters, content validation, and the visibility of the post.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { block, createPost } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, useServer, walkPages } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

const { mutate, query, user } = callersOf(ctx);

async function comment(by: Authed, postId: string, content: string, parentCommentId?: string): Promise<any> {
  return ok(await mutate(by, "comment.create", { postId, content, ...(parentCommentId ? { parentCommentId } : {}) }));
}
async function counts(postId: string, commentIds: string[] = []) {
  const [p] = await ctx.t.sql<{ n: number }[]>`SELECT comments_count AS n FROM posts WHERE id = ${postId}`;
  const rows = commentIds.length
    ? await ctx.t.sql<{ id: string; n: number }[]>`SELECT id, replies_count AS n FROM comments WHERE id IN ${ctx.t.sql(commentIds)}`
    : [];
  return { comments: p!.n, replies: commentIds.map((id) => rows.find((r) => r.id === id)!.n) };
}
const ids = (page: { items: { id: string }[] }) => page.items.map((i) => i.id);

/** Walks a comment list with `limit`, returning every id and the page sizes. */
async function walk(viewer: Authed | null, path: string, input: Record<string, unknown>, limit: number) {
  const { items, sizes } = await walkPages<{ id: string }>((cursor) => query(viewer, path, { ...input, limit, ...(cursor ? { cursor } : {}) }).then(ok));
  return { all: ids({ items }), sizes };
}

describe("comment.create", () => {
  test("a comment and nested replies; the view carries author, parent and counts", async () => {
    const author = await user();
    const a = await user({ displayName: "Ann" });
    const b = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const top = await comment(a, post.id, "  first!  ");
    expect(top).toMatchObject({
      postId: post.id, parentCommentId: null, content: "first!", contentHtml: "first!",
      author: { id: a.id, username: a.username, displayName: "Ann" }, counts: { likes: 0, replies: 0 },
    });
    const reply = await comment(b, post.id, "a reply", top.id);
    expect(reply).toMatchObject({ postId: post.id, parentCommentId: top.id });
    const nested = await comment(a, post.id, "a reply to the reply", reply.id);
    expect(nested.parentCommentId).toBe(reply.id);
    expect(await counts(post.id, [top.id, reply.id, nested.id])).toEqual({ comments: 3, replies: [1, 1, 0] });
    expect(ok(await query(null, "post.get", { postId: post.id })).counts.comments).toBe(3);
  });

  test("parentCommentId must be a live comment of the same post → otherwise BAD_REQUEST parentCommentId", async () => {
    const author = await user();
    const a = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const elsewhere = await createPost(ctx.t.sql, author.id);
    const foreign = await comment(a, elsewhere.id, "on another post");
    const gone = await comment(a, post.id, "soon deleted");
    ok(await mutate(a, "comment.delete", { commentId: gone.id }));
    for (const parentCommentId of [foreign.id, gone.id, "999999999"]) {
      expectError(await mutate(a, "comment.create", { postId: post.id, content: "x", parentCommentId }), "BAD_REQUEST", "parentCommentId");
    }
    expect(await counts(post.id)).toEqual({ comments: 0, replies: [] });
    expect(await counts(elsewhere.id, [foreign.id])).toEqual({ comments: 1, replies: [0] });
  });

  test("content: empty, whitespace-only and over 5000 characters are refused; 5000 is accepted", async () => {
    const author = await user();
    const post = await createPost(ctx.t.sql, author.id);
    for (const content of ["", "   \n\t  ", "x".repeat(5001)]) {
      expectError(await mutate(author, "comment.create", { postId: post.id, content }), "BAD_REQUEST", "content");
    }
    expectError(await mutate(author, "comment.create", { postId: post.id }), "BAD_REQUEST", "content");
    expect((await comment(author, post.id, "y".repeat(5000))).content).toHaveLength(5000);
    const html = await comment(author, post.id, "<b>bold</b> & #tag");
    expect(html.contentHtml).toBe('&lt;b&gt;bold&lt;/b&gt; &amp; <a href="/tags/tag" class="hashtag" rel="tag">#tag</a>');
    expect(await counts(post.id)).toEqual({ comments: 2, replies: [] });
  });

  test("only posts the caller may see and interact with: drafts, deleted, private, blocked → NOT_FOUND; anonymous → UNAUTHORIZED", async () => {
    const author = await user();
    const priv = await user({ visibility: "private" });
    const a = await user();
    const draft = await createPost(ctx.t.sql, author.id, { status: "draft" });
    const deleted = await createPost(ctx.t.sql, author.id);
    await ctx.t.sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${deleted.id}`;
    const hidden = await createPost(ctx.t.sql, priv.id);
    const blocker = await user();
    const blockersPost = await createPost(ctx.t.sql, blocker.id);
    await block(ctx.t.sql, blocker.id, a.id);
    for (const p of [draft, deleted, hidden, blockersPost, { id: "999999999" }]) {
      expectError(await mutate(a, "comment.create", { postId: p.id, content: "hi" }), "NOT_FOUND");
    }
    expectError(await mutate(null, "comment.create", { postId: blockersPost.id, content: "hi" }), "UNAUTHORIZED");
    const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM comments WHERE user_id = ${a.id}`;
    expect(n!.n).toBe(0);
    // Not even the author comments on a draft: only published posts take comments.
    expectError(await mutate(author, "comment.create", { postId: draft.id, content: "hi" }), "NOT_FOUND");
  });
});

describe("comment.list and comment.replies", () => {
  test("list: top-level only, newest first, keyset pages without duplicates; replies: oldest first", async () => {
    const author = await user();
    const a = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const tops: string[] = [];
    for (let i = 0; i < 5; i++) tops.push((await comment(a, post.id, `top ${i}`)).id);
    const replies: string[] = [];
    for (let i = 0; i < 5; i++) replies.push((await comment(author, post.id, `reply ${i}`, tops[0])).id);
    await comment(a, post.id, "deep", replies[0]);

    const list = await walk(null, "comment.list", { postId: post.id }, 2);
    expect(list.all).toEqual([...tops].reverse());
    expect(list.sizes).toEqual([2, 2, 1]);

    const rs = await walk(a, "comment.replies", { commentId: tops[0] }, 2);
    expect(rs.all).toEqual(replies);
    expect(rs.sizes).toEqual([2, 2, 1]);
    expect(ok(await query(a, "comment.list", { postId: post.id, limit: 1 })).items[0].counts).toEqual({ likes: 0, replies: 0 });
    const first = ok(await query(a, "comment.list", { postId: post.id, limit: 100 })).items.at(-1);
    expect(first).toMatchObject({ id: tops[0], counts: { replies: 5 } });

    // A comment added while paging appears on top later, not inside the walk.
    const page1 = ok(await query(a, "comment.list", { postId: post.id, limit: 2 }));
    const newer = (await comment(a, post.id, "late")).id;
    const page2 = ok(await query(a, "comment.list", { postId: post.id, limit: 2, cursor: page1.nextCursor }));
    expect([...ids(page1), ...ids(page2)]).toEqual([tops[4]!, tops[3]!, tops[2]!, tops[1]!]);
    expect(ids(ok(await query(a, "comment.list", { postId: post.id, limit: 1 })))).toEqual([newer]);
  });

  test("deleted comments and blocked or suspended authors are hidden; the list follows the post's visibility", async () => {
    const author = await user();
    const a = await user();
    const b = await user();
    const c = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const ca = await comment(a, post.id, "from a");
    const cb = await comment(b, post.id, "from b");
    const cc = await comment(c, post.id, "from c");
    const reply = await comment(b, post.id, "b replies", ca.id);
    await block(ctx.t.sql, a.id, b.id); // a blocked b: they do not see each other's comments
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${c.id}`;
    ok(await mutate(author, "comment.delete", { commentId: ca.id }));
    expect(ids(ok(await query(author, "comment.list", { postId: post.id })))).toEqual([cb.id]);
    expect(ids(ok(await query(a, "comment.list", { postId: post.id })))).toEqual([]);
    expect(ids(ok(await query(null, "comment.list", { postId: post.id })))).toEqual([cb.id]);
    // A deleted parent still anchors its live replies.
    expect(ids(ok(await query(author, "comment.replies", { commentId: ca.id })))).toEqual([reply.id]);
    expect(ids(ok(await query(a, "comment.replies", { commentId: ca.id })))).toEqual([]);
    expect(cc.id).toBeTruthy();

    const priv = await user({ visibility: "private" });
    const hidden = await createPost(ctx.t.sql, priv.id);
    const own = await comment(priv, hidden.id, "talking to myself");
    expectError(await query(a, "comment.list", { postId: hidden.id }), "NOT_FOUND");
    expectError(await query(null, "comment.replies", { commentId: own.id }), "NOT_FOUND");
    expect(ids(ok(await query(priv, "comment.list", { postId: hidden.id })))).toEqual([own.id]);
    expectError(await query(a, "comment.replies", { commentId: "999999999" }), "NOT_FOUND");
  });
});

describe("comment.delete", () => {
  test("by the comment's author or the post's author; anyone else → NOT_FOUND and nothing changes; counts exact", async () => {
    const author = await user();
    const a = await user();
    const b = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const c1 = await comment(a, post.id, "one");
    const c2 = await comment(b, post.id, "two");
    const r1 = await comment(b, post.id, "reply", c1.id);
    expect(await counts(post.id, [c1.id])).toEqual({ comments: 3, replies: [1] });

    // A stranger, the other commenter, the parent's author for someone else's reply, anonymous.
    expectError(await mutate(b, "comment.delete", { commentId: c1.id }), "NOT_FOUND");
    expectError(await mutate(a, "comment.delete", { commentId: r1.id }), "NOT_FOUND");
    expectError(await mutate(a, "comment.delete", { commentId: c2.id }), "NOT_FOUND");
    expectError(await mutate(null, "comment.delete", { commentId: c2.id }), "UNAUTHORIZED");
    const [live] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM comments WHERE post_id = ${post.id} AND deleted_at IS NULL`;
    expect(live!.n).toBe(3);
    expect(await counts(post.id, [c1.id])).toEqual({ comments: 3, replies: [1] });

    expect(ok(await mutate(b, "comment.delete", { commentId: r1.id }))).toEqual({ deleted: true });
    expect(await counts(post.id, [c1.id])).toEqual({ comments: 2, replies: [0] });
    expect(ok(await mutate(author, "comment.delete", { commentId: c1.id }))).toEqual({ deleted: true });
    expect(await counts(post.id, [c1.id])).toEqual({ comments: 1, replies: [0] });
    expectError(await mutate(author, "comment.delete", { commentId: c1.id }), "NOT_FOUND");
    expect(ok(await mutate(b, "comment.delete", { commentId: c2.id }))).toEqual({ deleted: true });
    expect(await counts(post.id, [c1.id])).toEqual({ comments: 0, replies: [0] });
    expect(ok(await query(null, "post.get", { postId: post.id })).counts.comments).toBe(0);
    const rows = await ctx.t.sql<{ id: string; deleted: boolean }[]>`
      SELECT id, deleted_at IS NOT NULL AS deleted FROM comments WHERE post_id = ${post.id} ORDER BY id`;
    expect([...rows]).toEqual([{ id: c1.id, deleted: true }, { id: c2.id, deleted: true }, { id: r1.id, deleted: true }]);
  });
});
