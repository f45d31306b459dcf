// Posts over HTTP: the nine types and their content/media rules (uploads become post_media in
// order, storage follows, reservations are attached), drafts, scheduling, updates (owner only),
// soft delete and the 30-day restore window, rendered HTML, tags and mentions, post.get's view,
// listByUser keyset paging, view counting, the scheduler under racing ticks, exact counters under
// concurrency, and the content jobs (counter reconciliation, purge of old soft-deleted rows).
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { purgeSoftDeletedContent, reconcileCounters } from "../../src/jobs/content-jobs";
import { publishDueScheduledPosts } from "../../src/modules/post/post.scheduler";
import { canRunConcurrently, type TestDatabase } from "../helpers/db";
import { addMedia, createPost, createUpload, createUser, createUserWithToken, follow } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, postsOf, rpc, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

type Kind = "image" | "gif" | "video" | "audio";

const DAY = 86_400_000;
const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);

async function usedBytes(userId: string, sql: TestDatabase["sql"] = ctx.t.sql): Promise<number> {
  const [row] = await sql<{ used: number }[]>`SELECT used_bytes::int AS used FROM storage_usage WHERE user_id = ${userId}`;
  return row!.used;
}
async function postCount(userId: string): Promise<number> {
  const [row] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM posts WHERE user_id = ${userId}`;
  return row!.n;
}
async function notificationsOf(userId: string, type?: string) {
  return [...await ctx.t.sql<{ type: string; actor_id: string; post_id: string | null }[]>`
    SELECT type::text, actor_id, post_id FROM notifications WHERE user_id = ${userId}
      ${type ? ctx.t.sql`AND type = ${type}` : ctx.t.sql``} ORDER BY id`];
}

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("post.create: the nine types", () => {
  test("text types need non-blank content and take no media; short posts are short", async () => {
    const author = await user();
    for (const type of ["text_short", "text_long"] as const) {
      expectError(await mutate(author, "post.create", { type }), "BAD_REQUEST", "content");
      expectError(await mutate(author, "post.create", { type, content: null }), "BAD_REQUEST", "content");
      expectError(await mutate(author, "post.create", { type, content: "" }), "BAD_REQUEST", "content");
      expectError(await mutate(author, "post.create", { type, content: "  \n\t " }), "BAD_REQUEST", "content");
      const upload = await createUpload(ctx.t.sql, author.id);
      expectError(await mutate(author, "post.create", { type, content: "hi", uploadIds: [upload.id] }), "BAD_REQUEST", "uploadIds");
    }
    expectError(await mutate(author, "post.create", { type: "text_short", content: "x".repeat(1001) }), "BAD_REQUEST", "content");
    expect(await postCount(author.id)).toBe(0);

    const before = Date.now();
    const short = ok(await mutate(author, "post.create", { type: "text_short", content: "x".repeat(1000) }));
    const long = ok(await mutate(author, "post.create", { type: "text_long", title: " An article ", content: "y".repeat(5000) }));
    expect(short).toMatchObject({ type: "text_short", status: "published", media: [], author: { id: author.id, username: author.username } });
    expect(long).toMatchObject({ type: "text_long", status: "published", title: "An article" });
    for (const p of [short, long]) {
      expect(Date.parse(p.publishedAt)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(p.publishedAt)).toBeLessThanOrEqual(Date.now() + 1000);
      expect(p.scheduledFor).toBeNull();
    }
    const rows = await ctx.t.sql`SELECT type::text, status::text, published_at IS NOT NULL AS has_published_at FROM posts WHERE user_id = ${author.id} ORDER BY id`;
    expect([...rows]).toEqual([
      { type: "text_short", status: "published", has_published_at: true },
      { type: "text_long", status: "published", has_published_at: true },
    ]);
  });

  const MEDIA_CASES: { type: string; good: Kind[]; wrong: Kind[]; tooMany?: Kind[] }[] = [
    { type: "image", good: ["image"], wrong: ["audio"], tooMany: ["image", "image"] },
    { type: "image_gallery", good: ["image", "gif", "image"], wrong: ["image", "video"], tooMany: ["image"] },
    { type: "gif", good: ["gif"], wrong: ["image"] },
    { type: "video_short", good: ["video"], wrong: ["audio"] },
    { type: "video_long", good: ["video"], wrong: ["image"] },
    { type: "song", good: ["audio"], wrong: ["video"] },
    { type: "album", good: ["audio", "audio", "audio"], wrong: ["audio", "image"], tooMany: ["audio"] },
  ];

  for (const c of MEDIA_CASES) {
    test(`${c.type}: refused without media, with the wrong kind or count; accepted with own confirmed uploads, in order`, async () => {
      const author = await user();
      expectError(await mutate(author, "post.create", { type: c.type, content: "caption" }), "BAD_REQUEST", "uploadIds");
      expectError(await mutate(author, "post.create", { type: c.type, uploadIds: [] }), "BAD_REQUEST", "uploadIds");

      const wrong = [];
      for (const kind of c.wrong) wrong.push(await createUpload(ctx.t.sql, author.id, { mediaType: kind }));
      expectError(await mutate(author, "post.create", { type: c.type, uploadIds: wrong.map((u) => u.id) }), "BAD_REQUEST", "uploadIds");
      if (c.tooMany) {
        const uploads = [];
        for (const kind of c.tooMany) uploads.push(await createUpload(ctx.t.sql, author.id, { mediaType: kind }));
        expectError(await mutate(author, "post.create", { type: c.type, uploadIds: uploads.map((u) => u.id) }), "BAD_REQUEST", "uploadIds");
      }
      // Nothing was written by the refused attempts.
      expect(await postCount(author.id)).toBe(0);
      expect(await usedBytes(author.id)).toBe(0);
      const [held] = await ctx.t.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM upload_reservations WHERE user_id = ${author.id} AND status <> 'confirmed'`;
      expect(held!.n).toBe(0);

      // Uploaded in one order, attached in another: the post keeps the order of uploadIds.
      const uploads = [];
      for (const [i, kind] of c.good.entries()) uploads.push(await createUpload(ctx.t.sql, author.id, { mediaType: kind, sizeBytes: 1000 + 111 * i }));
      const order = [...uploads].reverse();
      const post = ok(await mutate(author, "post.create", { type: c.type, uploadIds: order.map((u) => u.id) }));
      expect(post).toMatchObject({ type: c.type, status: "published", content: null });
      expect(post.publishedAt).not.toBeNull();
      expect(post.media.map((m: { url: string; displayOrder: number }) => [m.url, m.displayOrder])).toEqual(order.map((u, i) => [u.file_url, i]));
      expect(post.media.map((m: { type: string }) => m.type)).toEqual([...c.good].reverse());

      const media = await ctx.t.sql<{ id: string; file_url: string; display_order: number; file_size_bytes: number }[]>`
        SELECT id, file_url, display_order, file_size_bytes::int FROM post_media WHERE post_id = ${post.id} ORDER BY display_order`;
      expect(media.map((m) => [m.file_url, m.display_order, m.file_size_bytes])).toEqual(order.map((u, i) => [u.file_url, i, u.size_bytes]));
      const total = uploads.reduce((n, u) => n + u.size_bytes, 0);
      expect(await usedBytes(author.id)).toBe(total);
      const reservations = await ctx.t.sql<{ id: string; status: string; media_id: string | null }[]>`
        SELECT id, status, media_id FROM upload_reservations WHERE id IN ${ctx.t.sql(order.map((u) => u.id))}`;
      const byId = new Map(reservations.map((r) => [r.id, r]));
      expect(order.map((u) => byId.get(u.id)!.status)).toEqual(order.map(() => "attached"));
      expect(order.map((u) => byId.get(u.id)!.media_id)).toEqual(media.map((m) => m.id));

      // An attached upload cannot be used twice.
      expectError(await mutate(author, "post.create", { type: c.type, uploadIds: order.map((u) => u.id) }), "BAD_REQUEST", "uploadIds");
      expect(await usedBytes(author.id)).toBe(total);
      expect(await postCount(author.id)).toBe(1);
    });
  }

  test("someone else's upload, a pending one, or an unknown id → BAD_REQUEST uploadIds, nothing attached", async () => {
    const author = await user();
    const other = await user();
    const theirs = await createUpload(ctx.t.sql, other.id);
    const pending = await createUpload(ctx.t.sql, author.id, { status: "pending" });
    const mine = await createUpload(ctx.t.sql, author.id);
    for (const uploadIds of [[theirs.id], [pending.id], ["999999999"]]) {
      const res = await mutate(author, "post.create", { type: "image", uploadIds });
      expectError(res, "BAD_REQUEST", "uploadIds");
      expect(res.body.error.data.appCode).toBe("MEDIA_NOT_AVAILABLE");
    }
    // A gallery mixing one's own upload with someone else's is refused as a whole.
    expectError(await mutate(author, "post.create", { type: "image_gallery", uploadIds: [mine.id, theirs.id] }), "BAD_REQUEST", "uploadIds");
    const statuses = await ctx.t.sql<{ id: string; status: string }[]>`
      SELECT id, status FROM upload_reservations WHERE id IN ${ctx.t.sql([theirs.id, pending.id, mine.id])} ORDER BY id`;
    expect(statuses.map((r) => r.status)).toEqual(["confirmed", "pending", "confirmed"]);
    expect(await postCount(author.id)).toBe(0);
    expect(await usedBytes(author.id)).toBe(0);
    expect(await usedBytes(other.id)).toBe(0);
  });

  test("unauthenticated create is UNAUTHORIZED; an unknown type is BAD_REQUEST type", async () => {
    expectError(await mutate(null, "post.create", { type: "text_short", content: "hi" }), "UNAUTHORIZED");
    const author = await user();
    expectError(await mutate(author, "post.create", { type: "poll", content: "hi" }), "BAD_REQUEST", "type");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("only active accounts post", () => {
  test("suspended out of band (plain SQL) while the session is still cached: 401 SESSION_INVALID, nothing stored", async () => {
    const a = await user();
    ok(await mutate(a, "post.create", { type: "text_short", content: "while active" })); // the session is now cached
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${a.id}`;
    const res = await mutate(a, "post.create", { type: "text_short", content: "while suspended" });
    expect(res.status).toBe(401);
    expect(res.body.error.data.appCode).toBe("SESSION_INVALID");
    const [n] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM posts WHERE user_id = ${a.id}`;
    expect(n!.n).toBe(1);
  });
});

describe("drafts, scheduling, publish", () => {
  test("a draft has no published_at, is its author's alone, and publish makes it public once", async () => {
    const author = await user();
    const stranger = await user();
    const draft = ok(await mutate(author, "post.create", { type: "text_short", content: "not yet", status: "draft" }));
    expect(draft).toMatchObject({ status: "draft", publishedAt: null });
    expectError(await query(stranger, "post.get", { postId: draft.id }), "NOT_FOUND");
    expectError(await query(null, "post.get", { postId: draft.id }), "NOT_FOUND");
    expect(ok(await query(author, "post.get", { postId: draft.id })).status).toBe("draft");
    expect(postsOf(ok(await query(author, "post.listByUser", { username: author.username }))).items).toEqual([]);
    expect(postsOf(ok(await query(author, "post.listByUser", { username: author.username, status: "draft" }))).items.map((p: any) => p.id)).toEqual([draft.id]);
    expectError(await query(stranger, "post.listByUser", { username: author.username, status: "draft" }), "NOT_FOUND");

    expectError(await mutate(stranger, "post.publish", { postId: draft.id }), "NOT_FOUND");
    const published = ok(await mutate(author, "post.publish", { postId: draft.id }));
    expect(published.status).toBe("published");
    expect(published.publishedAt).not.toBeNull();
    // Publishing again changes nothing.
    const again = ok(await mutate(author, "post.publish", { postId: draft.id }));
    expect(again.publishedAt).toBe(published.publishedAt);
    expect(postsOf(ok(await query(stranger, "post.listByUser", { username: author.username }))).items.map((p: any) => p.id)).toEqual([draft.id]);
  });

  test("scheduledFor must be given, in the future, within a year, and only for scheduled posts", async () => {
    const author = await user();
    const base = { type: "text_short", content: "later" };
    expectError(await mutate(author, "post.create", { ...base, status: "scheduled" }), "BAD_REQUEST", "scheduledFor");
    expectError(await mutate(author, "post.create", { ...base, status: "scheduled", scheduledFor: ago(60_000) }), "BAD_REQUEST", "scheduledFor");
    expectError(await mutate(author, "post.create", { ...base, status: "scheduled", scheduledFor: inFuture(400 * DAY) }), "BAD_REQUEST", "scheduledFor");
    expectError(await mutate(author, "post.create", { ...base, status: "published", scheduledFor: inFuture(DAY) }), "BAD_REQUEST", "scheduledFor");
    expectError(await mutate(author, "post.create", { ...base, status: "scheduled", scheduledFor: "tomorrow" }), "BAD_REQUEST", "scheduledFor");
    expect(await postCount(author.id)).toBe(0);

    const when = inFuture(2 * DAY);
    const scheduled = ok(await mutate(author, "post.create", { ...base, status: "scheduled", scheduledFor: when }));
    expect(scheduled).toMatchObject({ status: "scheduled", scheduledFor: when, publishedAt: null });
    // Rescheduling into the past is refused, into the future accepted.
    expectError(await mutate(author, "post.update", { postId: scheduled.id, scheduledFor: ago(1000) }), "BAD_REQUEST", "scheduledFor");
    const later = inFuture(3 * DAY);
    expect(ok(await mutate(author, "post.update", { postId: scheduled.id, scheduledFor: later })).scheduledFor).toBe(later);
    expect(postsOf(ok(await query(author, "post.listByUser", { username: author.username, status: "scheduled" }))).items.map((p: any) => p.id)).toEqual([scheduled.id]);
    // publish now, ahead of time.
    const published = ok(await mutate(author, "post.publish", { postId: scheduled.id }));
    expect(published.status).toBe("published");
    expect(Date.parse(published.publishedAt)).toBeLessThan(Date.now() + 1000);
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("update, delete, restore", () => {
  test("only the owner updates; anyone else gets NOT_FOUND and nothing changes", async () => {
    const author = await user();
    const other = await user();
    const post = ok(await mutate(author, "post.create", { type: "text_short", title: "T", content: "first #one", tags: ["keep"] }));
    const snapshot = async () => (await ctx.t.sql`SELECT title, content, content_html, updated_at::text FROM posts WHERE id = ${post.id}`)[0];
    const before = await snapshot();
    expectError(await mutate(other, "post.update", { postId: post.id, content: "hacked" }), "NOT_FOUND");
    expectError(await mutate(other, "post.update", { postId: post.id, title: "hacked" }), "NOT_FOUND");
    expectError(await mutate(null, "post.update", { postId: post.id, title: "hacked" }), "UNAUTHORIZED");
    expect(await snapshot()).toEqual(before);

    expectError(await mutate(author, "post.update", { postId: post.id, content: "   " }), "BAD_REQUEST", "content");
    expect(await snapshot()).toEqual(before);

    const updated = ok(await mutate(author, "post.update", { postId: post.id, content: "second #two" }));
    expect(updated).toMatchObject({ title: "T", content: "second #two" });
    expect(updated.contentHtml).toBe('second <a href="/tags/two" class="hashtag" rel="tag">#two</a>');
    // The hashtag that left the content leaves the tags; the explicit tag stays.
    expect(updated.tags).toEqual(["keep", "two"]);
    const retitled = ok(await mutate(author, "post.update", { postId: post.id, title: null, tags: ["fresh"] }));
    expect(retitled).toMatchObject({ title: null, content: "second #two", tags: ["fresh", "two"] });
  });

  test("delete is the owner's, restorable for 30 days; after that NOT_FOUND", async () => {
    const author = await user();
    const other = await user();
    const post = ok(await mutate(author, "post.create", { type: "text_short", content: "ephemeral" }));
    expectError(await mutate(other, "post.delete", { postId: post.id }), "NOT_FOUND");
    const deleted = ok(await mutate(author, "post.delete", { postId: post.id }));
    expect(deleted.deleted).toBe(true);
    expect(Math.abs(Date.parse(deleted.restorableUntil) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expectError(await mutate(author, "post.delete", { postId: post.id }), "NOT_FOUND");
    expectError(await query(author, "post.get", { postId: post.id }), "NOT_FOUND");
    expectError(await query(other, "post.get", { postId: post.id }), "NOT_FOUND");
    expect(postsOf(ok(await query(author, "post.listByUser", { username: author.username }))).items).toEqual([]);

    expectError(await mutate(other, "post.restore", { postId: post.id }), "NOT_FOUND");
    const restored = ok(await mutate(author, "post.restore", { postId: post.id }));
    expect(restored).toMatchObject({ id: post.id, status: "published", content: "ephemeral" });
    expect(ok(await query(other, "post.get", { postId: post.id })).id).toBe(post.id);
    expectError(await mutate(author, "post.restore", { postId: post.id }), "NOT_FOUND");

    ok(await mutate(author, "post.delete", { postId: post.id }));
    const longAgo = ago(31 * DAY);
    await ctx.t.sql`UPDATE posts SET deleted_at = ${longAgo} WHERE id = ${post.id}`;
    expectError(await mutate(author, "post.restore", { postId: post.id }), "NOT_FOUND");
    const [row] = await ctx.t.sql<{ deleted_at: string }[]>`SELECT deleted_at::text FROM posts WHERE id = ${post.id}`;
    expect(Date.parse(row!.deleted_at)).toBe(Date.parse(longAgo));
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("content: HTML, tags, mentions", () => {
  test("content_html escapes markup and links URLs, #tags and @mentions of existing users only", async () => {
    const author = await user();
    await createUser(ctx.t.sql, { username: "alice_m" });
    const content = `<script>alert("x")</script> Read https://example.com/a?b=1&c=2 #Bun #TypeScript and @alice_m, not @ghost_user\nbye`;
    const post = ok(await mutate(author, "post.create", { type: "text_short", content }));
    expect(post.content).toBe(content);
    expect(post.contentHtml).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Read ' +
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer ugc" target="_blank">https://example.com/a?b=1&amp;c=2</a> ' +
        '<a href="/tags/bun" class="hashtag" rel="tag">#Bun</a> <a href="/tags/typescript" class="hashtag" rel="tag">#TypeScript</a> ' +
        'and <a href="/@alice_m" class="mention">@alice_m</a>, not @ghost_user<br>bye',
    );
    expect(post.contentHtml).not.toContain("<script");
    const [row] = await ctx.t.sql<{ content_html: string }[]>`SELECT content_html FROM posts WHERE id = ${post.id}`;
    expect(row!.content_html).toBe(post.contentHtml);
  });

  test("tags: hashtags lowercased and de-duplicated, plus explicit tags, into post_tags", async () => {
    const author = await user();
    const post = ok(await mutate(author, "post.create", {
      type: "text_short", content: "#Foo and #bar, again #FOO; not x#nope or &#39; and #Ümlaut", tags: ["#Explicit", "bar"],
    }));
    expect(post.tags).toEqual(["bar", "explicit", "foo", "ümlaut"]);
    const rows = await ctx.t.sql<{ tag: string }[]>`SELECT tag FROM post_tags WHERE post_id = ${post.id} ORDER BY tag`;
    expect(rows.map((r) => r.tag)).toEqual(["bar", "explicit", "foo", "ümlaut"]);
    expectError(await mutate(author, "post.create", { type: "text_short", content: "x", tags: ["no spaces"] }), "BAD_REQUEST", "tags.0");
  });

  test("a mention notifies only someone who may see the post, and a draft only at publish", async () => {
    const pub = await user();
    const priv = await user({ visibility: "private" });
    const fo = await user({ visibility: "followers" });
    const target = await user();
    const follower = await user();
    const outsider = await user();
    await follow(ctx.t.sql, follower.id, fo.id);

    const p1 = ok(await mutate(pub, "post.create", { type: "text_short", content: `hi @${target.username} @${target.username.toUpperCase()}` }));
    expect(await notificationsOf(target.id)).toEqual([{ type: "mention", actor_id: pub.id, post_id: p1.id }]);

    // A private author's post: recorded as a mention, but nobody else may see it, so no notification.
    const p2 = ok(await mutate(priv, "post.create", { type: "text_short", content: `psst @${outsider.username}` }));
    const [m] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM post_mentions WHERE post_id = ${p2.id}`;
    expect(m!.n).toBe(1);
    expect(await notificationsOf(outsider.id)).toEqual([]);

    // Followers-only: the follower hears of it, the outsider does not.
    const p3 = ok(await mutate(fo, "post.create", { type: "text_short", content: `@${follower.username} @${outsider.username}` }));
    expect(await notificationsOf(follower.id)).toEqual([{ type: "mention", actor_id: fo.id, post_id: p3.id }]);
    expect(await notificationsOf(outsider.id)).toEqual([]);

    // A draft mentions at publish, once; editing it keeps that mention silent, a new one notifies.
    const other = await user();
    const draft = ok(await mutate(pub, "post.create", { type: "text_short", content: `soon @${other.username}`, status: "draft" }));
    expect(await notificationsOf(other.id)).toEqual([]);
    ok(await mutate(pub, "post.update", { postId: draft.id, content: `sooner @${other.username}` }));
    expect(await notificationsOf(other.id)).toEqual([]);
    ok(await mutate(pub, "post.publish", { postId: draft.id }));
    expect(await notificationsOf(other.id)).toEqual([{ type: "mention", actor_id: pub.id, post_id: draft.id }]);
    ok(await mutate(pub, "post.update", { postId: draft.id, content: `now @${other.username} and @${outsider.username}` }));
    expect(await notificationsOf(other.id)).toHaveLength(1);
    expect(await notificationsOf(outsider.id)).toEqual([{ type: "mention", actor_id: pub.id, post_id: draft.id }]);
    // Mentioning yourself never notifies.
    ok(await mutate(pub, "post.create", { type: "text_short", content: `me @${pub.username}` }));
    expect(await notificationsOf(pub.id)).toEqual([]);
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("reading posts", () => {
  test("post.get: author, media, counts and the caller's own liked / bookmarked / reposted", async () => {
    const author = await user({ displayName: "The Author" });
    const fan = await user();
    const other = await user();
    const up = await createUpload(ctx.t.sql, author.id, { mediaType: "image", sizeBytes: 4321 });
    const post = ok(await mutate(author, "post.create", { type: "image", content: "look", uploadIds: [up.id] }));
    ok(await mutate(fan, "post.like", { postId: post.id }));
    ok(await mutate(fan, "post.bookmark", { postId: post.id }));
    ok(await mutate(fan, "post.repost", { postId: post.id, comment: "nice" }));
    ok(await mutate(other, "post.like", { postId: post.id }));
    ok(await mutate(other, "comment.create", { postId: post.id, content: "wow" }));

    const seen = ok(await query(fan, "post.get", { postId: post.id }));
    expect(seen).toMatchObject({
      id: post.id, type: "image", status: "published", content: "look",
      author: { id: author.id, username: author.username, displayName: "The Author" },
      counts: { likes: 2, comments: 1, reposts: 1, views: 0 },
      viewer: { liked: true, bookmarked: true, reposted: true },
    });
    expect(seen.media).toEqual([{
      id: expect.any(String), type: "image", url: up.file_url, mimeType: "image/png", width: null, height: null,
      durationSeconds: null, thumbnailUrl: null, displayOrder: 0, sensitive: false,
    }]);
    expect(seen.thumbnailUrl).toBe(up.file_url);
    expect(ok(await query(other, "post.get", { postId: post.id })).viewer).toEqual({ liked: true, bookmarked: false, reposted: false });
    expect(ok(await query(null, "post.get", { postId: post.id })).viewer).toEqual({ liked: false, bookmarked: false, reposted: false });

    ok(await mutate(fan, "post.unlike", { postId: post.id }));
    ok(await mutate(fan, "post.unbookmark", { postId: post.id }));
    ok(await mutate(fan, "post.unrepost", { postId: post.id }));
    const after = ok(await query(fan, "post.get", { postId: post.id }));
    expect(after.viewer).toEqual({ liked: false, bookmarked: false, reposted: false });
    expect(after.counts).toEqual({ likes: 1, comments: 1, reposts: 0, views: 0 });
    expectError(await query(fan, "post.get", { postId: "999999999" }), "NOT_FOUND");
  });

  test("post.listByUser: keyset pages of 2 walk everything once, newest first, stable under inserts", async () => {
    const author = await user();
    const reader = await user();
    const base = Date.now() - 3_600_000;
    const made: string[] = [];
    // Seven posts, three of them sharing one timestamp (the id breaks the tie).
    for (const minutes of [1, 2, 3, 3, 3, 4, 5]) {
      made.push((await createPost(ctx.t.sql, author.id, { createdAt: new Date(base + minutes * 60_000) })).id);
    }
    await createPost(ctx.t.sql, author.id, { status: "draft" });
    const expected = [...made].sort((a, b) => {
      const ta = [1, 2, 3, 3, 3, 4, 5][made.indexOf(a)]!;
      const tb = [1, 2, 3, 3, 3, 4, 5][made.indexOf(b)]!;
      return tb - ta || Number(b) - Number(a);
    });

    const walk = async (onPage?: (n: number) => Promise<void>) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 20; page++) {
        const res = postsOf(ok(await query(reader, "post.listByUser", { username: author.username, limit: 2, ...(cursor ? { cursor } : {}) })));
        seen.push(...res.items.map((p: { id: string }) => p.id));
        sizes.push(res.items.length);
        await onPage?.(page);
        if (!res.nextCursor) break;
        cursor = res.nextCursor;
      }
      return { seen, sizes };
    };
    const first = await walk();
    expect(first.seen).toEqual(expected);
    expect(first.sizes).toEqual([2, 2, 2, 1]);

    // New posts arriving while paging show up on top next time, never inside the walk.
    const inserted: string[] = [];
    const second = await walk(async (page) => {
      if (page < 2) inserted.push((await createPost(ctx.t.sql, author.id)).id);
    });
    expect(second.seen).toEqual(expected);
    expect(new Set(second.seen).size).toBe(second.seen.length);
    const top = postsOf(ok(await query(reader, "post.listByUser", { username: author.username, limit: 3 })));
    expect(top.items.map((p: { id: string }) => p.id)).toEqual([inserted[1], inserted[0], expected[0]]);

    // The type filter, and a forged cursor.
    expect(postsOf(ok(await query(reader, "post.listByUser", { username: author.username, type: "image" }))).items).toEqual([]);
    expectError(await query(reader, "post.listByUser", { username: author.username, cursor: "garbage" }), "BAD_REQUEST", "cursor");
    expectError(await query(reader, "post.listByUser", { username: "nobody_here" }), "NOT_FOUND");
  });

  test("post.view counts once per viewer per hour (anonymous viewers by address)", async () => {
    const author = await user();
    const a = await user();
    const b = await user();
    const post = await createPost(ctx.t.sql, author.id);
    expect(ok(await mutate(a, "post.view", { postId: post.id }))).toEqual({ counted: true, viewsCount: 1 });
    expect(ok(await mutate(a, "post.view", { postId: post.id }))).toEqual({ counted: false, viewsCount: 1 });
    expect(ok(await mutate(b, "post.view", { postId: post.id }))).toEqual({ counted: true, viewsCount: 2 });
    expect(ok(await mutate(null, "post.view", { postId: post.id }))).toEqual({ counted: true, viewsCount: 3 });
    expect(ok(await mutate(null, "post.view", { postId: post.id }))).toEqual({ counted: false, viewsCount: 3 });
    expect(ok(await mutate(author, "post.view", { postId: post.id }))).toEqual({ counted: true, viewsCount: 4 });
    const draft = await createPost(ctx.t.sql, author.id, { status: "draft" });
    expectError(await mutate(a, "post.view", { postId: draft.id }), "NOT_FOUND");
    const [row] = await ctx.t.sql<{ v: number }[]>`SELECT views_count AS v FROM posts WHERE id = ${post.id}`;
    expect(row!.v).toBe(4);
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("the scheduler", () => {
  test.skipIf(!canRunConcurrently)("two racing ticks publish a due post exactly once, and notify its mention once", async () => {
    const author = await user();
    const target = await user();
    const due = ok(await mutate(author, "post.create", {
      type: "text_short", content: `scheduled hello @${target.username}`, status: "scheduled", scheduledFor: inFuture(DAY),
    }));
    const future = ok(await mutate(author, "post.create", { type: "text_short", content: "later", status: "scheduled", scheduledFor: inFuture(DAY) }));
    const deletedDue = ok(await mutate(author, "post.create", { type: "text_short", content: "gone", status: "scheduled", scheduledFor: inFuture(DAY) }));
    await ctx.t.sql`UPDATE posts SET scheduled_for = ${ago(60_000)} WHERE id IN ${ctx.t.sql([due.id, deletedDue.id])}`;
    ok(await mutate(author, "post.delete", { postId: deletedDue.id }));
    expect(await notificationsOf(target.id)).toEqual([]);
    const [dueCount] = await ctx.t.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM posts WHERE status = 'scheduled' AND deleted_at IS NULL AND scheduled_for <= NOW()`;
    expect(dueCount!.n).toBe(1);

    const tick = () => publishDueScheduledPosts(ctx.t.db);
    const results = await Promise.all([tick(), tick()]);
    expect(results[0]! + results[1]!).toBe(1);
    expect(await tick()).toBe(0);

    const rows = await ctx.t.sql<{ id: string; status: string; has_published_at: boolean }[]>`
      SELECT id, status::text, published_at IS NOT NULL AS has_published_at FROM posts WHERE id IN ${ctx.t.sql([due.id, future.id, deletedDue.id])} ORDER BY id`;
    expect([...rows]).toEqual([
      { id: due.id, status: "published", has_published_at: true },
      { id: future.id, status: "scheduled", has_published_at: false },
      { id: deletedDue.id, status: "scheduled", has_published_at: false },
    ]);
    expect(await notificationsOf(target.id)).toEqual([{ type: "mention", actor_id: author.id, post_id: due.id }]);
    expect(ok(await query(target, "post.get", { postId: due.id })).status).toBe("published");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("counters under concurrency", () => {
  test("100 concurrent likes from one user: one row, likes_count 1, one notification", async () => {
    const author = await user();
    const fan = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const results = await Promise.all(Array.from({ length: 100 }, () => mutate(fan, "post.like", { postId: post.id })));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const [row] = await ctx.t.sql<{ rows: number; likes: number }[]>`
      SELECT (SELECT count(*)::int FROM post_interactions WHERE post_id = ${post.id} AND type = 'like') AS rows,
             likes_count AS likes FROM posts WHERE id = ${post.id}`;
    expect(row).toEqual({ rows: 1, likes: 1 });
    expect(await notificationsOf(author.id, "like")).toHaveLength(1);
  });

  test("50 users liking and unliking at random at once: likes_count equals the rows", async () => {
    const author = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const fans: Authed[] = await Promise.all(Array.from({ length: 50 }, () => user()));
    // A fixed pseudo-random sequence per user, all fired at once.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const calls = fans.flatMap((f) => Array.from({ length: 4 }, () => mutate(f, rand() < 0.6 ? "post.like" : "post.unlike", { postId: post.id })));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const [row] = await ctx.t.sql<{ rows: number; likes: number }[]>`
      SELECT (SELECT count(*)::int FROM post_interactions WHERE post_id = ${post.id} AND type = 'like') AS rows,
             likes_count AS likes FROM posts WHERE id = ${post.id}`;
    expect(row!.likes).toBe(row!.rows);
    expect(ok(await query(null, "post.get", { postId: post.id })).counts.likes).toBe(row!.rows);
    // Everyone likes once more, then everyone unlikes: 50, then 0.
    await Promise.all(fans.map((f) => mutate(f, "post.like", { postId: post.id })));
    expect(ok(await query(null, "post.get", { postId: post.id })).counts.likes).toBe(50);
    await Promise.all(fans.map((f) => mutate(f, "post.unlike", { postId: post.id })));
    expect(ok(await query(null, "post.get", { postId: post.id })).counts.likes).toBe(0);
  });

  test("comments_count and replies_count stay exact through deletes and restores", async () => {
    const author = await user();
    const a = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const c = async (content: string, parentCommentId?: string) =>
      ok(await mutate(a, "comment.create", { postId: post.id, content, ...(parentCommentId ? { parentCommentId } : {}) })).id as string;
    const c1 = await c("one");
    const c2 = await c("two");
    await c("three");
    const r1 = await c("r1", c1);
    await c("r2", c1);
    await c("rr", r1);
    const state = async () => {
      const [p] = await ctx.t.sql<{ n: number }[]>`SELECT comments_count AS n FROM posts WHERE id = ${post.id}`;
      const rs = await ctx.t.sql<{ id: string; n: number }[]>`SELECT id, replies_count AS n FROM comments WHERE id IN ${ctx.t.sql([c1, r1])} ORDER BY id`;
      return { comments: p!.n, c1: rs.find((r) => r.id === c1)!.n, r1: rs.find((r) => r.id === r1)!.n };
    };
    expect(await state()).toEqual({ comments: 6, c1: 2, r1: 1 });
    ok(await mutate(a, "comment.delete", { commentId: r1 }));
    expect(await state()).toEqual({ comments: 5, c1: 1, r1: 1 });
    ok(await mutate(author, "comment.delete", { commentId: c2 }));
    expect(await state()).toEqual({ comments: 4, c1: 1, r1: 1 });
    expect(ok(await query(null, "post.get", { postId: post.id })).counts.comments).toBe(4);
    await ctx.t.sql`UPDATE comments SET deleted_at = NULL WHERE id = ${r1}`;
    expect(await state()).toEqual({ comments: 5, c1: 2, r1: 1 });
    await ctx.t.sql`UPDATE comments SET deleted_at = NULL WHERE id = ${c2}`;
    expect(await state()).toEqual({ comments: 6, c1: 2, r1: 1 });
    // Restoring twice (no-op update) does not count twice.
    await ctx.t.sql`UPDATE comments SET deleted_at = NULL WHERE id = ${c2}`;
    expect(await state()).toEqual({ comments: 6, c1: 2, r1: 1 });
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("content jobs (own database, so counts are exact)", () => {
  const jobs = useServer();
  const m = (u: Authed, path: string, input: unknown) => rpc(jobs.s.url, path, input, { token: u.token });

  test("reconcileCounters finds nothing after normal use, then fixes corrupted post, comment and profile counters and reports the drift", async () => {
    const sql = jobs.t.sql;
    const author = await createUserWithToken(sql);
    const fan = await createUserWithToken(sql);
    const p1 = await createPost(sql, author.id);
    const p2 = await createPost(sql, author.id);
    ok(await m(fan, "post.like", { postId: p1.id }));
    ok(await m(fan, "post.repost", { postId: p1.id }));
    const c1 = ok(await m(fan, "comment.create", { postId: p2.id, content: "a" }));
    ok(await m(fan, "comment.create", { postId: p2.id, content: "b", parentCommentId: c1.id }));
    const c3 = ok(await m(fan, "comment.create", { postId: p2.id, content: "c" }));
    ok(await m(fan, "comment.delete", { commentId: c3.id }));

    expect(await reconcileCounters(jobs.t.db)).toEqual({ likes: 0, comments: 0, replies: 0, reposts: 0, accounts: 0 });

    await sql`UPDATE posts SET likes_count = 42, comments_count = 9 WHERE id = ${p1.id}`;
    await sql`UPDATE posts SET comments_count = 0, reposts_count = 3 WHERE id = ${p2.id}`;
    await sql`UPDATE comments SET replies_count = 7 WHERE id = ${c1.id}`;
    await sql`UPDATE comments SET replies_count = 5 WHERE id = ${c3.id}`;
    ok(await m(fan, "social.follow", { userId: author.id }));
    await sql`UPDATE account_stats SET followers_count = 40, posts_count = 0 WHERE user_id = ${author.id}`;
    await sql`DELETE FROM account_stats WHERE user_id = ${fan.id}`;
    expect(await reconcileCounters(jobs.t.db)).toEqual({ likes: 1, comments: 2, replies: 2, reposts: 1, accounts: 2 });
    const stats = await sql`SELECT user_id, followers_count, following_count, posts_count FROM account_stats WHERE user_id IN ${sql([author.id, fan.id])} ORDER BY user_id`;
    expect([...stats]).toEqual([
      { user_id: author.id, followers_count: 1, following_count: 0, posts_count: 2 },
      { user_id: fan.id, followers_count: 0, following_count: 1, posts_count: 0 },
    ]);
    const posts = await sql`SELECT id, likes_count, comments_count, reposts_count FROM posts WHERE id IN ${sql([p1.id, p2.id])} ORDER BY id`;
    expect([...posts]).toEqual([
      { id: p1.id, likes_count: 1, comments_count: 0, reposts_count: 1 },
      { id: p2.id, likes_count: 0, comments_count: 2, reposts_count: 0 },
    ]);
    const comments = await sql`SELECT id, replies_count FROM comments WHERE id IN ${sql([c1.id, c3.id])} ORDER BY id`;
    expect([...comments]).toEqual([{ id: c1.id, replies_count: 1 }, { id: c3.id, replies_count: 0 }]);
    expect(await reconcileCounters(jobs.t.db)).toEqual({ likes: 0, comments: 0, replies: 0, reposts: 0, accounts: 0 });
  });

  test("purgeSoftDeletedContent removes posts and comments deleted over 30 days ago, keeps the rest", async () => {
    const sql = jobs.t.sql;
    const author = await createUser(sql);
    const old = await createPost(sql, author.id, { type: "image", content: null });
    await addMedia(sql, author.id, old.id, { sizeBytes: 5000 });
    const young = await createPost(sql, author.id);
    const live = await createPost(sql, author.id);
    await sql`UPDATE posts SET deleted_at = ${ago(31 * DAY)} WHERE id = ${old.id}`;
    await sql`UPDATE posts SET deleted_at = ${ago(29 * DAY)} WHERE id = ${young.id}`;
    const comment = async (parent: string | null, deletedAt: string | null) =>
      (await sql<{ id: string }[]>`INSERT INTO comments (post_id, user_id, parent_comment_id, content, deleted_at)
        VALUES (${live.id}, ${author.id}, ${parent}, 'x', ${deletedAt}) RETURNING id`)[0]!.id;
    const oldComment = await comment(null, ago(31 * DAY));
    const oldAnchor = await comment(null, ago(31 * DAY));
    const liveReply = await comment(oldAnchor, null);
    const youngComment = await comment(null, ago(29 * DAY));
    expect(await usedBytes(author.id, sql)).toBe(5000);

    expect(await purgeSoftDeletedContent(jobs.t.db)).toEqual({ posts: 1, comments: 1 });
    const postsLeft = await sql<{ id: string }[]>`SELECT id FROM posts WHERE user_id = ${author.id} ORDER BY id`;
    expect(postsLeft.map((r) => r.id)).toEqual([young.id, live.id]);
    const commentsLeft = await sql<{ id: string }[]>`SELECT id FROM comments WHERE post_id = ${live.id} ORDER BY id`;
    expect(commentsLeft.map((r) => r.id)).toEqual([oldAnchor, liveReply, youngComment]);
    expect(commentsLeft.map((r) => r.id)).not.toContain(oldComment);
    // The purged post's media went with it, and its bytes left the storage usage.
    expect(await usedBytes(author.id, sql)).toBe(0);
    expect(await purgeSoftDeletedContent(jobs.t.db)).toEqual({ posts: 0, comments: 0 });
  });
});
