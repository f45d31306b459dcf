// Notifications over HTTP: one per follow, friend (mutual follow), like, comment, reply, repost and
// mention, with a title per type and a link to the post or the actor; never for one's own action,
// never from a blocked or muted actor; a like notifies once per actor and post. Reading:
// notification.list (keyset, unreadOnly), unreadCount, markRead (own ids only), markAllRead.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { createPost } from "../helpers/factories";
import { type Authed, callersOf, expectError, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();

const { mutate, query, user } = callersOf(ctx);

/** The recipient's notifications as (type, actor, title, actionUrl), oldest first. */
async function received(u: Authed) {
  const page = ok(await query(u, "notification.list", { limit: 100 }));
  return page.items
    .map((n: any) => ({ type: n.type, actor: n.actor?.username ?? null, title: n.title, actionUrl: n.actionUrl }))
    .reverse();
}
async function rowCount(userId: string): Promise<number> {
  const [row] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${userId}`;
  return row!.n;
}

describe("what notifies", () => {
  test("follow, friend, like, comment, reply, repost and mention: one each, with title and link", async () => {
    const alice = await user();
    const bob = await user();
    const carol = await user();

    ok(await mutate(bob, "social.follow", { userId: alice.id }));
    ok(await mutate(alice, "social.follow", { userId: bob.id })); // bob is followed back: friends
    const post = await createPost(ctx.t.sql, alice.id);
    ok(await mutate(bob, "post.like", { postId: post.id }));
    const c = ok(await mutate(bob, "comment.create", { postId: post.id, content: "nice post" }));
    const reply = ok(await mutate(carol, "comment.create", { postId: post.id, content: "agreed", parentCommentId: c.id }));
    ok(await mutate(bob, "post.repost", { postId: post.id, comment: "look" }));
    const mention = ok(await mutate(carol, "post.create", { type: "text_short", content: `hey @${alice.username}` }));

    expect(await received(alice)).toEqual([
      { type: "follow", actor: bob.username, title: `${bob.username} followed you`, actionUrl: `/@${bob.username}` },
      { type: "like", actor: bob.username, title: `${bob.username} liked your post`, actionUrl: `/posts/${post.id}` },
      { type: "comment", actor: bob.username, title: `${bob.username} commented on your post`, actionUrl: `/posts/${post.id}#comment-${c.id}` },
      { type: "comment", actor: carol.username, title: `${carol.username} commented on your post`, actionUrl: `/posts/${post.id}#comment-${reply.id}` },
      { type: "repost", actor: bob.username, title: `${bob.username} reposted your post`, actionUrl: `/posts/${post.id}` },
      { type: "mention", actor: carol.username, title: `${carol.username} mentioned you`, actionUrl: `/posts/${mention.id}` },
    ]);
    expect(await received(bob)).toEqual([
      { type: "friend", actor: alice.username, title: `${alice.username} followed you back: you are now friends`, actionUrl: `/@${alice.username}` },
      { type: "reply", actor: carol.username, title: `${carol.username} replied to your comment`, actionUrl: `/posts/${post.id}#comment-${reply.id}` },
    ]);
    expect(await received(carol)).toEqual([]);

    // The view: ids, post and comment references, excerpt, actor, read state.
    const [latest] = ok(await query(alice, "notification.list", { limit: 1 })).items;
    expect(latest).toMatchObject({
      type: "mention", postId: mention.id, commentId: null, content: `hey @${alice.username}`, isRead: false, readAt: null,
      actor: { id: carol.id, username: carol.username, displayName: null },
    });
    const rows = await ctx.t.sql`SELECT type::text, post_id, comment_id FROM notifications WHERE user_id = ${bob.id} ORDER BY id`;
    expect([...rows]).toEqual([{ type: "friend", post_id: null, comment_id: null }, { type: "reply", post_id: post.id, comment_id: reply.id }]);
  });

  test("never for one's own action", async () => {
    const me = await user();
    const post = await createPost(ctx.t.sql, me.id);
    ok(await mutate(me, "post.like", { postId: post.id }));
    const c = ok(await mutate(me, "comment.create", { postId: post.id, content: `mine @${me.username}` }));
    ok(await mutate(me, "comment.create", { postId: post.id, content: "mine again", parentCommentId: c.id }));
    ok(await mutate(me, "post.repost", { postId: post.id }));
    ok(await mutate(me, "post.create", { type: "text_short", content: `@${me.username}` }));
    expect(await rowCount(me.id)).toBe(0);

    // A reply to one's own comment on someone else's post notifies the post's author only.
    const other = await user();
    const theirs = await createPost(ctx.t.sql, other.id);
    const mine = ok(await mutate(me, "comment.create", { postId: theirs.id, content: "first" }));
    ok(await mutate(me, "comment.create", { postId: theirs.id, content: "second", parentCommentId: mine.id }));
    expect(await rowCount(me.id)).toBe(0);
    expect((await received(other)).map((n: { type: string }) => n.type)).toEqual(["comment", "comment"]);
  });

  test("a reply on the post author's own comment notifies them once (as a reply), not twice", async () => {
    const author = await user();
    const replier = await user();
    const post = await createPost(ctx.t.sql, author.id);
    const c = ok(await mutate(author, "comment.create", { postId: post.id, content: "my own comment" }));
    ok(await mutate(replier, "comment.create", { postId: post.id, content: `answer @${author.username}`, parentCommentId: c.id }));
    expect((await received(author)).map((n: { type: string }) => n.type)).toEqual(["reply"]);
  });

  test("none from a muted actor; none across a block, and earlier ones from a since-blocked actor are hidden", async () => {
    const target = await user();
    const muted = await user();
    const blocked = await user();
    const post = await createPost(ctx.t.sql, target.id);

    ok(await mutate(target, "social.mute", { userId: muted.id }));
    ok(await mutate(muted, "social.follow", { userId: target.id }));
    ok(await mutate(muted, "post.like", { postId: post.id }));
    ok(await mutate(muted, "comment.create", { postId: post.id, content: `hi @${target.username}` }));
    ok(await mutate(muted, "post.repost", { postId: post.id }));
    ok(await mutate(muted, "post.create", { type: "text_short", content: `@${target.username}` }));
    expect(await rowCount(target.id)).toBe(0);

    ok(await mutate(blocked, "post.like", { postId: post.id }));
    expect((await received(target)).map((n: { type: string }) => n.type)).toEqual(["like"]);
    expect(ok(await query(target, "notification.unreadCount"))).toEqual({ count: 1, capped: false });
    ok(await mutate(target, "social.block", { userId: blocked.id }));
    // The old one is hidden from the list and the badge; new interaction is refused, so nothing new arrives.
    expect(await received(target)).toEqual([]);
    expect(ok(await query(target, "notification.unreadCount"))).toEqual({ count: 0, capped: false });
    expectError(await mutate(blocked, "social.follow", { userId: target.id }), "NOT_FOUND");
    expectError(await mutate(blocked, "comment.create", { postId: post.id, content: "x" }), "NOT_FOUND");
    ok(await mutate(blocked, "post.create", { type: "text_short", content: `@${target.username}` }));
    expect(await rowCount(target.id)).toBe(1);

    // Unmuting lets new notifications through again.
    ok(await mutate(target, "social.unmute", { userId: muted.id }));
    const p2 = await createPost(ctx.t.sql, target.id);
    ok(await mutate(muted, "post.like", { postId: p2.id }));
    expect((await received(target)).map((n: { type: string; actor: string }) => [n.type, n.actor])).toEqual([["like", muted.username]]);

    // An actor who is suspended later vanishes from the list and the badge alike.
    await ctx.t.sql`UPDATE users SET status = 'suspended' WHERE id = ${muted.id}`;
    expect(await received(target)).toEqual([]);
    expect(ok(await query(target, "notification.unreadCount"))).toEqual({ count: 0, capped: false });
  });

  test("like → unlike → like notifies once (and a repost likewise)", async () => {
    const author = await user();
    const fan = await user();
    const post = await createPost(ctx.t.sql, author.id);
    for (let i = 0; i < 3; i++) {
      ok(await mutate(fan, "post.like", { postId: post.id }));
      ok(await mutate(fan, "post.unlike", { postId: post.id }));
      ok(await mutate(fan, "post.repost", { postId: post.id }));
      ok(await mutate(fan, "post.unrepost", { postId: post.id }));
    }
    ok(await mutate(fan, "post.like", { postId: post.id }));
    expect((await received(author)).map((n: { type: string }) => n.type)).toEqual(["like", "repost"]);
    // Another post is another notification.
    const second = await createPost(ctx.t.sql, author.id);
    ok(await mutate(fan, "post.like", { postId: second.id }));
    expect(await rowCount(author.id)).toBe(3);
  });
});

describe("reading notifications", () => {
  async function seed(n: number) {
    const me = await user();
    const actors: Authed[] = [];
    for (let i = 0; i < n; i++) {
      const a = await user();
      ok(await mutate(a, "social.follow", { userId: me.id }));
      actors.push(a);
    }
    return { me, actors };
  }

  test("list: newest first, keyset pages without duplicates; unreadOnly; unreadCount", async () => {
    const { me, actors } = await seed(5);
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = ok(await query(me, "notification.list", { limit: 2, ...(cursor ? { cursor } : {}) }));
      seen.push(...page.items.map((n: any) => n.actor.username));
      sizes.push(page.items.length);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual(actors.map((a) => a.username).reverse());
    expect(sizes).toEqual([2, 2, 1]);
    expect(ok(await query(me, "notification.unreadCount"))).toEqual({ count: 5, capped: false });

    const all = ok(await query(me, "notification.list", {})).items;
    expect(ok(await mutate(me, "notification.markRead", { ids: [all[0].id, all[2].id] }))).toEqual({ updated: 2 });
    expect(ok(await query(me, "notification.unreadCount"))).toEqual({ count: 3, capped: false });
    const unread = ok(await query(me, "notification.list", { unreadOnly: true })).items;
    expect(unread.map((n: any) => n.id)).toEqual([all[1].id, all[3].id, all[4].id]);
    const read = ok(await query(me, "notification.list", {})).items.filter((n: any) => n.isRead);
    expect(read.map((n: any) => n.id)).toEqual([all[0].id, all[2].id]);
    expect(read.every((n: any) => Date.parse(n.readAt) > Date.now() - 60_000)).toBe(true);
    // Unread-only paging.
    const u1 = ok(await query(me, "notification.list", { unreadOnly: true, limit: 2 }));
    const u2 = ok(await query(me, "notification.list", { unreadOnly: true, limit: 2, cursor: u1.nextCursor }));
    expect([...u1.items, ...u2.items].map((n: any) => n.id)).toEqual([all[1].id, all[3].id, all[4].id]);
    expect(u2.nextCursor).toBeNull();
    // Marking read twice counts nothing the second time.
    expect(ok(await mutate(me, "notification.markRead", { ids: [all[0].id] }))).toEqual({ updated: 0 });
  });

  test("markRead leaves someone else's notifications untouched; markAllRead reads only one's own", async () => {
    const { me } = await seed(3);
    const { me: other } = await seed(2);
    const theirs = ok(await query(other, "notification.list", {})).items.map((n: any) => n.id);
    const mine = ok(await query(me, "notification.list", {})).items.map((n: any) => n.id);
    expect(ok(await mutate(me, "notification.markRead", { ids: theirs }))).toEqual({ updated: 0 });
    expect(ok(await mutate(me, "notification.markRead", { ids: [...theirs, mine[0]] }))).toEqual({ updated: 1 });
    expect(ok(await query(other, "notification.unreadCount"))).toEqual({ count: 2, capped: false });
    const [row] = await ctx.t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications WHERE id IN ${ctx.t.sql(theirs)} AND is_read`;
    expect(row!.n).toBe(0);

    expect(ok(await mutate(me, "notification.markAllRead"))).toEqual({ updated: 2 });
    expect(ok(await query(me, "notification.unreadCount"))).toEqual({ count: 0, capped: false });
    expect(ok(await query(me, "notification.list", { unreadOnly: true })).items).toEqual([]);
    expect(ok(await query(other, "notification.unreadCount"))).toEqual({ count: 2, capped: false });
    expect(ok(await mutate(me, "notification.markAllRead"))).toEqual({ updated: 0 });

    expectError(await query(null, "notification.list", {}), "UNAUTHORIZED");
    expectError(await mutate(me, "notification.markRead", { ids: [] }), "BAD_REQUEST", "ids");
    expectError(await query(me, "notification.list", { cursor: "bad" }), "BAD_REQUEST", "cursor");
  });
});

// Repeats that are not news: follow/unfollow toggling notifies once per actor and recipient per
// 24 hours (follow and friend alike); a mention notifies once per post and account, ever, however
// often an edit removes and restores it.
describe("notification dedupe", () => {
  test("follow → unfollow toggled 5 times: one notification; outside the 24 h window it notifies again", async () => {
    const target = await user();
    const fan = await user();
    for (let i = 0; i < 5; i++) {
      ok(await mutate(fan, "social.follow", { userId: target.id }));
      ok(await mutate(fan, "social.unfollow", { userId: target.id }));
    }
    expect(await received(target)).toEqual([
      { type: "follow", actor: fan.username, title: `${fan.username} followed you`, actionUrl: `/@${fan.username}` },
    ]);
    // A friend notification counts as the same event: following back and toggling adds nothing more.
    ok(await mutate(target, "social.follow", { userId: fan.id }));
    for (let i = 0; i < 3; i++) {
      ok(await mutate(fan, "social.follow", { userId: target.id }));
      ok(await mutate(fan, "social.unfollow", { userId: target.id }));
    }
    expect((await received(target)).map((n: { type: string }) => n.type)).toEqual(["follow"]);
    expect((await received(fan)).map((n: { type: string }) => n.type)).toEqual(["follow"]);
    // Another actor is another notification.
    const other = await user();
    ok(await mutate(other, "social.follow", { userId: target.id }));
    expect(await rowCount(target.id)).toBe(2);
    // Once the earlier one is older than the window, a new follow notifies again.
    await ctx.t.sql`UPDATE notifications SET created_at = NOW() - interval '25 hours' WHERE user_id = ${target.id} AND actor_id = ${fan.id}`;
    ok(await mutate(fan, "social.follow", { userId: target.id }));
    expect((await received(target)).map((n: { type: string; actor: string }) => [n.type, n.actor])).toEqual([
      ["follow", fan.username], ["follow", other.username], ["friend", fan.username],
    ]);
  });

  test("a mention edited out and back in 3 times: one notification (and none after the post is edited further)", async () => {
    const author = await user();
    const alice = await user();
    const post = ok(await mutate(author, "post.create", { type: "text_short", content: `hi @${alice.username}` }));
    for (let i = 0; i < 3; i++) {
      ok(await mutate(author, "post.update", { postId: post.id, content: "hi nobody" }));
      ok(await mutate(author, "post.update", { postId: post.id, content: `hi again @${alice.username}` }));
    }
    expect((await received(alice)).map((n: { type: string; actionUrl: string }) => [n.type, n.actionUrl])).toEqual([["mention", `/posts/${post.id}`]]);
    // The mention itself follows the content; the "notified" fact does not.
    const [m] = await ctx.t.sql`SELECT count(*)::int AS n FROM post_mentions WHERE post_id = ${post.id}`;
    expect(m!.n).toBe(1);
    ok(await mutate(author, "post.update", { postId: post.id, content: "gone" }));
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM post_mentions WHERE post_id = ${post.id}`)[0]!.n).toBe(0);
    expect((await ctx.t.sql`SELECT count(*)::int AS n FROM post_mention_notifications WHERE post_id = ${post.id}`)[0]!.n).toBe(1);
    // Another post mentioning her is another notification.
    ok(await mutate(author, "post.create", { type: "text_short", content: `and @${alice.username}` }));
    expect(await rowCount(alice.id)).toBe(2);
  });

  test("a draft's mention notifies once on publish, not again on later edits; a declined mention may notify later", async () => {
    const author = await user();
    const bob = await user();
    const draft = ok(await mutate(author, "post.create", { type: "text_short", content: `draft @${bob.username}`, status: "draft" }));
    expect(await rowCount(bob.id)).toBe(0);
    ok(await mutate(author, "post.publish", { postId: draft.id }));
    ok(await mutate(author, "post.update", { postId: draft.id, content: "edited" }));
    ok(await mutate(author, "post.update", { postId: draft.id, content: `edited @${bob.username}` }));
    expect(await rowCount(bob.id)).toBe(1);

    // Muted when first mentioned: nothing sent, nothing claimed, so a later edit may still notify.
    const carol = await user();
    await ctx.t.sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${carol.id}, ${author.id})`;
    const post = ok(await mutate(author, "post.create", { type: "text_short", content: `hey @${carol.username}` }));
    expect(await rowCount(carol.id)).toBe(0);
    await ctx.t.sql`DELETE FROM user_mutes WHERE muter_id = ${carol.id}`;
    ok(await mutate(author, "post.update", { postId: post.id, content: "hey" }));
    ok(await mutate(author, "post.update", { postId: post.id, content: `hey @${carol.username}` }));
    ok(await mutate(author, "post.update", { postId: post.id, content: "hey" }));
    ok(await mutate(author, "post.update", { postId: post.id, content: `hey @${carol.username}` }));
    expect(await rowCount(carol.id)).toBe(1);
  });
});
