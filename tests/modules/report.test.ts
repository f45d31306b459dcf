// report.create over HTTP (issue 18): a post, comment, message or account, with a category and a
// description; what the reporter cannot see is NOT_FOUND with the very answer of a missing item;
// self-reports are SELF_TARGET; a repeated report returns the open one; the per-reporter hourly
// limit; and reports stay invisible to everyone but moderators.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { REPORTS_PER_HOUR } from "../../src/lib/rate-limit";
import { block, createPost, follow } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData, ok, useServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);
const sql = () => ctx.t.sql;

const report = (reporter: Authed | null, targetType: string, targetId: string, extra: Record<string, unknown> = {}) =>
  mutate(reporter, "report.create", { targetType, targetId, category: "harassment", description: "keeps insulting me", ...extra });

async function comment(postId: string, userId: string, deleted = false) {
  const [row] = await sql()<{ id: string }[]>`
    INSERT INTO comments (post_id, user_id, content, deleted_at) VALUES (${postId}, ${userId}, 'mean words', ${deleted ? new Date().toISOString() : null})
    RETURNING id`;
  return row!.id;
}
/** A conversation of `members` (ids sorted, as the app stores them) and a message in it by `sender`. */
async function message(members: { id: string }[], sender: { id: string }, deleted = false) {
  const ids = members.map((m) => m.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const [conv] = await sql()<{ id: string }[]>`INSERT INTO conversations (participant_ids) VALUES (${sql().array(ids)}::bigint[]) RETURNING id`;
  const [row] = await sql()<{ id: string }[]>`
    INSERT INTO messages (conversation_id, sender_id, content, deleted_at) VALUES (${conv!.id}, ${sender.id}, 'threat', ${deleted ? new Date().toISOString() : null})
    RETURNING id`;
  return row!.id;
}
/** The error a client sees: for "cannot see" it must be identical to "does not exist". */
const errorOf = (res: { status: number; body: any }) => ({
  status: res.status, code: res.body?.error?.data?.code, appCode: res.body?.error?.data?.appCode, message: res.body?.error?.message,
});

describe("report.create: what can be reported", () => {
  test("a post, a comment, a message and an account, each once while open; the reporter gets the filing back, nothing more", async () => {
    const reporter = await user();
    const author = await user();
    const post = await createPost(sql(), author.id);
    const targets: [string, string][] = [
      ["post", post.id],
      ["comment", await comment(post.id, author.id)],
      ["message", await message([reporter, author], author)],
      ["account", author.id],
    ];
    const filedIds: string[] = [];
    for (const [type, id] of targets) {
      const filed = ok(await report(reporter, type, id, { category: "spam" }));
      filedIds.push(filed.id);
      expect(filed).toEqual({ id: expect.any(String), targetType: type, targetId: id, category: "spam", status: "open", createdAt: expect.any(String) });
      // Again while it is open: the same report (no second row, the first one's category).
      expect(ok(await report(reporter, type, id, { category: "hate" }))).toEqual(filed);
    }
    const rows = await sql()<{ target_type: string; target_user_id: string; description: string }[]>`
      SELECT target_type, target_user_id, description FROM reports WHERE reporter_id = ${reporter.id} ORDER BY id`;
    expect(rows.map((r) => ({ ...r }))).toEqual(targets.map(([type]) => ({ target_type: type, target_user_id: author.id, description: "keeps insulting me" })));
    // A closed report does not stop a new one.
    await sql()`UPDATE reports SET status = 'dismissed', resolved_at = NOW() WHERE reporter_id = ${reporter.id} AND target_type = 'post'`;
    expect(ok(await report(reporter, "post", post.id)).id).not.toBe(filedIds[0]);
  });

  test("an account whose content is hidden (private) can still be reported; its posts cannot", async () => {
    const reporter = await user();
    const hidden = await user({ visibility: "private" });
    const post = await createPost(sql(), hidden.id);
    ok(await report(reporter, "account", hidden.id, { category: "impersonation" }));
    expectErrorData(await report(reporter, "post", post.id), "NOT_FOUND");
  });

  test("input: categories and description are checked; anonymous callers are UNAUTHORIZED; self-reports SELF_TARGET", async () => {
    const reporter = await user();
    const other = await user();
    expectErrorData(await report(reporter, "account", other.id, { category: "rude" }), "BAD_REQUEST", { field: "category" });
    expectErrorData(await report(reporter, "account", other.id, { description: "  " }), "BAD_REQUEST", { field: "description" });
    expectErrorData(await report(reporter, "account", other.id, { description: "x".repeat(2001) }), "BAD_REQUEST", { field: "description" });
    expectErrorData(await report(reporter, "user", other.id), "BAD_REQUEST", { field: "targetType" });
    expectErrorData(await report(null, "account", other.id), "UNAUTHORIZED", { appCode: "SESSION_REQUIRED" });
    const own = await createPost(sql(), reporter.id);
    expectErrorData(await report(reporter, "post", own.id), "BAD_REQUEST", { appCode: "SELF_TARGET", field: "targetId" });
    expectErrorData(await report(reporter, "account", reporter.id), "BAD_REQUEST", { appCode: "SELF_TARGET" });
    expectErrorData(await report(reporter, "comment", await comment(own.id, reporter.id)), "BAD_REQUEST", { appCode: "SELF_TARGET" });
  });
});

describe("report.create: what the reporter cannot see is NOT_FOUND, exactly as a missing item", () => {
  test("posts, comments, messages and accounts", async () => {
    const reporter = await user();
    const missing = "999999999";
    const absent = {
      post: errorOf(await report(reporter, "post", missing)),
      comment: errorOf(await report(reporter, "comment", missing)),
      message: errorOf(await report(reporter, "message", missing)),
      account: errorOf(await report(reporter, "account", missing)),
    };
    expect(absent.post).toEqual({ status: 404, code: "NOT_FOUND", appCode: null, message: "Post not found" });
    expect(absent.account.message).toBe("User not found");

    const locked = await user({ visibility: "followers" });
    const blocker = await user();
    await block(sql(), blocker.id, reporter.id);
    const suspended = await user({ status: "suspended" });
    const friendOfLocked = await user();
    await follow(sql(), friendOfLocked.id, locked.id);
    const lockedPost = await createPost(sql(), locked.id);
    const blockerPost = await createPost(sql(), blocker.id);
    const draft = await createPost(sql(), friendOfLocked.id, { status: "draft" });
    const deletedPost = await createPost(sql(), friendOfLocked.id);
    await sql()`UPDATE posts SET deleted_at = NOW() WHERE id = ${deletedPost.id}`;
    const openPost = await createPost(sql(), friendOfLocked.id);

    const hidden: [keyof typeof absent, string, string][] = [
      ["post", "followers-only post of an account the reporter does not follow", lockedPost.id],
      ["post", "post of an account that blocked the reporter", blockerPost.id],
      ["post", "someone else's draft", draft.id],
      ["post", "a deleted post", deletedPost.id],
      ["post", "a suspended author's post", (await createPost(sql(), suspended.id)).id],
      ["comment", "a comment under a post the reporter cannot see", await comment(lockedPost.id, friendOfLocked.id)],
      ["comment", "a comment by an account that blocked the reporter", await comment(openPost.id, blocker.id)],
      ["comment", "a deleted comment", await comment(openPost.id, friendOfLocked.id, true)],
      ["message", "a message in a conversation the reporter is not in", await message([locked, friendOfLocked], locked)],
      ["message", "a deleted message", await message([reporter, friendOfLocked], friendOfLocked, true)],
      ["message", "a message by a participant who blocked the reporter", await message([reporter, blocker], blocker)],
      ["account", "an account that blocked the reporter", blocker.id],
      ["account", "a suspended account", suspended.id],
      ["account", "a deleted account", (await user({ status: "deleted" })).id],
    ];
    for (const [type, what, id] of hidden) {
      expect({ what, error: errorOf(await report(reporter, type, id)) }).toEqual({ what, error: absent[type] });
    }
    const [n] = await sql()<{ n: number }[]>`SELECT count(*)::int AS n FROM reports WHERE reporter_id = ${reporter.id}`;
    expect(n!.n).toBe(0);
    // The same items are reportable by someone who can see them.
    ok(await report(friendOfLocked, "post", lockedPost.id));
  });
});

describe("report.create: rate limit and privacy", () => {
  test(`${REPORTS_PER_HOUR} reports per reporter per hour, then 429 RATE_LIMITED with Retry-After; others are unaffected`, async () => {
    const reporter = await user();
    const target = await user();
    for (let i = 0; i < REPORTS_PER_HOUR; i++) ok(await report(reporter, "account", target.id));
    const limited = await report(reporter, "account", target.id);
    expect(limited.status).toBe(429);
    const data = expectErrorData(limited, "TOO_MANY_REQUESTS", { appCode: "RATE_LIMITED" });
    expect(data.details.retryAfterSeconds).toBeGreaterThan(3000);
    expect(Number(limited.headers.get("retry-after"))).toBe(data.details.retryAfterSeconds);
    // Counted before the lookup: probing for hidden items costs the same.
    expectErrorData(await report(reporter, "post", "999999999"), "TOO_MANY_REQUESTS", { appCode: "RATE_LIMITED" });
    ok(await report(await user(), "account", target.id));
  });

  test("reports are invisible to everyone but moderators: the reporter and the reported account get 403 on the queue", async () => {
    const reporter = await user();
    const target = await user();
    const filed = ok(await report(reporter, "account", target.id, { description: "private words" }));
    for (const who of [reporter, target]) {
      expectErrorData(await query(who, "moderation.reports", {}), "FORBIDDEN", { appCode: "MODERATOR_REQUIRED" });
    }
    expectErrorData(await query(null, "moderation.reports", {}), "UNAUTHORIZED");
    const mod = await user();
    await sql()`UPDATE users SET role = 'moderator' WHERE id = ${mod.id}`;
    const queue = ok(await query(mod, "moderation.reports", { limit: 100 })).items;
    expect(queue.find((r: { id: string }) => r.id === filed.id)).toMatchObject({ description: "private words", reporter: { id: reporter.id } });
    // No notification tells the reported account who reported it (or that anyone did).
    const [n] = await sql()<{ n: number }[]>`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${target.id}`;
    expect(n!.n).toBe(0);
  });
});
