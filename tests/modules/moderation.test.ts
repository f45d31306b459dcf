// Moderation over HTTP (issue 18): the moderatorProcedure tier (anonymous 401, non-moderators 403
// MODERATOR_REQUIRED on every moderation.* procedure, a demotion holding on the next request), the
// queue and resolve (notes, reporter notified, admin-only reports about staff), suspend / unsuspend
// (sessions revoked, content hidden everywhere, restored), removal and restore of posts (feed.home
// of a follower, the author cannot restore, the purge keeps it) and comments, the audit log
// (a row per action, UPDATE / DELETE / TRUNCATE refused by the database) and the admin:grant CLI.
// report.create itself is tests/modules/report.test.ts.
import { describe, expect, test, setDefaultTimeout } from "bun:test";
import { spawn } from "bun";
import { resolve } from "node:path";
import { purgeSoftDeletedContent } from "../../src/jobs/content-jobs";
import { createPost, follow } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData, ok, postsOf, useServer, walkPages } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

const ctx = useServer();
const { mutate, query, user } = callersOf(ctx);
const sql = () => ctx.t.sql;

async function staff(role: "moderator" | "admin", opts: Parameters<typeof user>[0] = {}): Promise<Authed> {
  const u = await user(opts);
  await sql()`UPDATE users SET role = ${role} WHERE id = ${u.id}`;
  return u;
}
/** A report filed straight into the table (report.create is tested in report.test.ts). */
async function fileReport(reporter: { id: string }, target: { type: "post" | "account"; id: string; userId: string }, category = "spam") {
  const [row] = await sql()<{ id: string }[]>`
    INSERT INTO reports (reporter_id, target_type, target_user_id, post_id, category, description)
    VALUES (${reporter.id}, ${target.type}, ${target.userId}, ${target.type === "post" ? target.id : null}, ${category}, 'looks like spam')
    RETURNING id`;
  return row!.id;
}
async function systemNotices(userId: string) {
  return [...await sql()<{ title: string; content: string | null }[]>`
    SELECT title, content FROM notifications WHERE user_id = ${userId} AND type = 'system' ORDER BY id`];
}
async function actionsAbout(targetType: string, targetId: string) {
  return [...await sql()<{ action: string; moderator_id: string | null; reason: string | null; target_user_id: string | null }[]>`
    SELECT action, moderator_id, reason, target_user_id FROM moderation_actions
    WHERE target_type = ${targetType} AND target_id = ${targetId} ORDER BY id`];
}
const homeIds = async (viewer: Authed) => postsOf(ok(await query(viewer, "feed.home", { limit: 50 }))).items.map((p: { id: string }) => p.id);

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("moderatorProcedure: only moderators and admins", () => {
  test("every moderation.* procedure: anonymous is 401 SESSION_REQUIRED, a signed-in user 403 MODERATOR_REQUIRED, and nothing changes", async () => {
    const author = await user();
    const post = await createPost(sql(), author.id);
    const [comment] = await sql()<{ id: string }[]>`INSERT INTO comments (post_id, user_id, content) VALUES (${post.id}, ${author.id}, 'hi') RETURNING id`;
    const reporter = await user();
    const reportId = await fileReport(reporter, { type: "post", id: post.id, userId: author.id });
    const calls: [string, "query" | "mutation", unknown][] = [
      ["moderation.reports", "query", {}],
      ["moderation.resolve", "mutation", { reportId, outcome: "dismissed" }],
      ["moderation.suspend", "mutation", { userId: author.id, reason: "spam" }],
      ["moderation.unsuspend", "mutation", { userId: author.id }],
      ["moderation.removePost", "mutation", { postId: post.id, reason: "spam" }],
      ["moderation.restorePost", "mutation", { postId: post.id }],
      ["moderation.removeComment", "mutation", { commentId: comment!.id, reason: "spam" }],
      ["moderation.restoreComment", "mutation", { commentId: comment!.id }],
      ["moderation.actions", "query", {}],
    ];
    const plain = await user();
    for (const [path, kind, input] of calls) {
      const call = kind === "query" ? query : mutate;
      const outcome = async (caller: Authed | null) => {
        const res = await call(caller, path, input);
        const data = res.body?.error?.data;
        return { path: data?.path, status: res.status, code: data?.code, appCode: data?.appCode };
      };
      expect(await outcome(null)).toEqual({ path, status: 401, code: "UNAUTHORIZED", appCode: "SESSION_REQUIRED" });
      expect(await outcome(plain)).toEqual({ path, status: 403, code: "FORBIDDEN", appCode: "MODERATOR_REQUIRED" });
    }
    const [state] = await sql()<{ status: string; post_deleted: boolean; comment_deleted: boolean; report: string; actions: number }[]>`
      SELECT (SELECT status FROM users WHERE id = ${author.id}) AS status,
             (SELECT deleted_at IS NOT NULL FROM posts WHERE id = ${post.id}) AS post_deleted,
             (SELECT deleted_at IS NOT NULL FROM comments WHERE id = ${comment!.id}) AS comment_deleted,
             (SELECT status FROM reports WHERE id = ${reportId}) AS report,
             (SELECT count(*)::int FROM moderation_actions) AS actions`;
    expect({ ...state }).toEqual({ status: "active", post_deleted: false, comment_deleted: false, report: "open", actions: 0 });
  });

  test("the role is read on every call: a demoted moderator is refused on the very next request (same session)", async () => {
    const mod = await staff("moderator");
    ok(await query(mod, "moderation.reports", {}));
    ok(await query(mod, "moderation.reports", {})); // the session is in the cache now
    await sql()`UPDATE users SET role = 'user' WHERE id = ${mod.id}`;
    expectErrorData(await query(mod, "moderation.reports", {}), "FORBIDDEN", { appCode: "MODERATOR_REQUIRED" });
    await sql()`UPDATE users SET role = 'admin' WHERE id = ${mod.id}`;
    ok(await query(mod, "moderation.reports", {}));
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("moderation.reports and moderation.resolve", () => {
  test("the queue: open reports oldest first with the reported content, per-target counts, a type filter and keyset pages", async () => {
    const mod = await staff("moderator");
    const author = await user({ visibility: "private" });
    const post = await createPost(sql(), author.id, { content: "buy cheap pills" });
    const [r1, r2] = [await user(), await user()];
    const first = await fileReport(r1, { type: "post", id: post.id, userId: author.id });
    const second = await fileReport(r2, { type: "post", id: post.id, userId: author.id }, "illegal");
    const third = await fileReport(r1, { type: "account", id: author.id, userId: author.id }, "impersonation");

    const page = ok(await query(mod, "moderation.reports", { limit: 100 }));
    const mine = page.items.filter((r: { id: string }) => [first, second, third].includes(r.id));
    expect(mine.map((r: { id: string }) => r.id)).toEqual([first, second, third]);
    // A private author's post: moderators read what they judge.
    expect(mine[0]).toMatchObject({
      targetType: "post", targetId: post.id, category: "spam", description: "looks like spam", status: "open",
      reporter: { id: r1.id, username: r1.username }, targetUser: { id: author.id, status: "active", role: "user" },
      target: { content: "buy cheap pills", parentId: null, deleted: false, removedByModerator: false },
      openReportsOnTarget: 2, resolution: null,
    });
    expect(mine[2]).toMatchObject({ targetType: "account", targetId: author.id, target: { content: null }, openReportsOnTarget: 1 });

    const accounts = ok(await query(mod, "moderation.reports", { targetType: "account", limit: 100 })).items;
    expect(accounts.map((r: { id: string }) => r.id)).toContain(third);
    expect(accounts.every((r: { targetType: string }) => r.targetType === "account")).toBe(true);

    const { items, sizes } = await walkPages((cursor) => query(mod, "moderation.reports", { limit: 1, ...(cursor ? { cursor } : {}) }).then(ok));
    expect(items.map((r: any) => r.id)).toEqual(page.items.map((r: any) => r.id));
    expect(sizes.every((n) => n === 1)).toBe(true);
  });

  test("resolve closes a report with an internal note, tells the reporter the outcome only, and writes the audit row", async () => {
    const mod = await staff("moderator");
    const author = await user();
    const post = await createPost(sql(), author.id);
    const reporter = await user();
    const reportId = await fileReport(reporter, { type: "post", id: post.id, userId: author.id });

    const resolved = ok(await mutate(mod, "moderation.resolve", { reportId, outcome: "resolved", note: "second strike, removed" }));
    expect(resolved).toMatchObject({
      id: reportId, status: "resolved", openReportsOnTarget: 0,
      resolution: { note: "second strike, removed", by: { id: mod.id, username: mod.username } },
    });
    expect(Date.parse(resolved.resolution.at)).toBeGreaterThan(Date.now() - 60_000);
    const open = ok(await query(mod, "moderation.reports", { limit: 100 })).items.map((r: { id: string }) => r.id);
    expect(open).not.toContain(reportId);
    expect(ok(await query(mod, "moderation.reports", { status: "resolved", limit: 100 })).items.map((r: { id: string }) => r.id)).toContain(reportId);

    const notices = await systemNotices(reporter.id);
    expect(notices).toEqual([{ title: "Your report was reviewed", content: "Thank you: we reviewed the post you reported and took action." }]);
    expect(JSON.stringify(notices)).not.toContain("strike");
    expect(await actionsAbout("report", reportId)).toEqual([{ action: "report.resolve", moderator_id: mod.id, reason: null, target_user_id: author.id }]);

    expectErrorData(await mutate(mod, "moderation.resolve", { reportId, outcome: "dismissed" }), "CONFLICT", { appCode: "REPORT_CLOSED" });
    expectErrorData(await mutate(mod, "moderation.resolve", { reportId: "999999999", outcome: "dismissed" }), "NOT_FOUND");

    const other = await fileReport(await user(), { type: "account", id: author.id, userId: author.id });
    expect(ok(await mutate(mod, "moderation.resolve", { reportId: other, outcome: "dismissed" }))).toMatchObject({ status: "dismissed", resolution: { note: null } });
    expect(await actionsAbout("report", other)).toMatchObject([{ action: "report.dismiss" }]);
  });

  test("a report about a moderator is an admin's to close; nobody closes one about themselves", async () => {
    const mod = await staff("moderator");
    const colleague = await staff("moderator");
    const admin = await staff("admin");
    const reportId = await fileReport(await user(), { type: "account", id: colleague.id, userId: colleague.id });
    expectErrorData(await mutate(mod, "moderation.resolve", { reportId, outcome: "dismissed" }), "FORBIDDEN", { appCode: "ADMIN_REQUIRED" });
    expectErrorData(await mutate(colleague, "moderation.resolve", { reportId, outcome: "dismissed" }), "BAD_REQUEST", { appCode: "SELF_TARGET" });
    ok(await mutate(admin, "moderation.resolve", { reportId, outcome: "dismissed" }));
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("moderation.suspend and moderation.unsuspend", () => {
  test("suspending signs the account out at once and hides it and its posts from everyone; unsuspending brings them back", async () => {
    const mod = await staff("moderator");
    const target = await user();
    const fan = await user();
    await follow(sql(), fan.id, target.id);
    const post = ok(await mutate(target, "post.create", { type: "text_short", content: "hello" }));
    expect(await homeIds(fan)).toContain(post.id);
    ok(await query(target, "auth.me")); // its session is cached in the server now

    const done = ok(await mutate(mod, "moderation.suspend", { userId: target.id, reason: "ban evasion" }));
    expect(done).toEqual({ user: { id: target.id, username: target.username, displayName: null }, status: "suspended", previousStatus: "active" });
    expectErrorData(await query(target, "auth.me"), "UNAUTHORIZED", { appCode: "SESSION_INVALID" });
    expectErrorData(await query(fan, "post.get", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await query(null, "post.get", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await query(fan, "user.get", { username: target.username }), "NOT_FOUND");
    expect(await homeIds(fan)).not.toContain(post.id);
    expect(await systemNotices(target.id)).toEqual([{ title: "Your account was suspended by a moderator", content: "ban evasion" }]);
    expect(await actionsAbout("account", target.id)).toEqual([{ action: "account.suspend", moderator_id: mod.id, reason: "ban evasion", target_user_id: target.id }]);
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: target.id, reason: "again" }), "CONFLICT", { appCode: "ALREADY_SUSPENDED" });

    const lifted = ok(await mutate(mod, "moderation.unsuspend", { userId: target.id, reason: "appeal accepted" }));
    expect(lifted).toMatchObject({ status: "active", previousStatus: "suspended" });
    expect(ok(await query(fan, "post.get", { postId: post.id })).id).toBe(post.id);
    expect(await homeIds(fan)).toContain(post.id);
    // The old session stays revoked: a suspension is a sign-out.
    expectErrorData(await query(target, "auth.me"), "UNAUTHORIZED");
    expect((await systemNotices(target.id)).at(-1)).toEqual({ title: "Your account was restored by a moderator", content: "appeal accepted" });
    expect((await actionsAbout("account", target.id)).map((a) => a.action)).toEqual(["account.suspend", "account.unsuspend"]);
    expectErrorData(await mutate(mod, "moderation.unsuspend", { userId: target.id }), "CONFLICT", { appCode: "NOT_SUSPENDED" });
  });

  test("only an admin suspends a moderator or admin; nobody suspends themselves; unknown and deleted accounts are NOT_FOUND", async () => {
    const mod = await staff("moderator");
    const otherMod = await staff("moderator");
    const admin = await staff("admin");
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: otherMod.id, reason: "x" }), "FORBIDDEN", { appCode: "ADMIN_REQUIRED" });
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: admin.id, reason: "x" }), "FORBIDDEN", { appCode: "ADMIN_REQUIRED" });
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: mod.id, reason: "x" }), "BAD_REQUEST", { appCode: "SELF_TARGET" });
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: "999999999", reason: "x" }), "NOT_FOUND");
    const gone = await user({ status: "deleted" });
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: gone.id, reason: "x" }), "NOT_FOUND");
    expectErrorData(await mutate(mod, "moderation.unsuspend", { userId: gone.id }), "NOT_FOUND");
    expectErrorData(await mutate(mod, "moderation.suspend", { userId: otherMod.id, reason: "  " }), "BAD_REQUEST", { field: "reason" });
    ok(await mutate(admin, "moderation.suspend", { userId: otherMod.id, reason: "abuse of tools" }));
    // A suspended moderator moderates no more (their session is gone, and the role check wants an active account).
    expectErrorData(await query(otherMod, "moderation.reports", {}), "UNAUTHORIZED");
    const [row] = await sql()<{ status: string }[]>`SELECT status FROM users WHERE id = ${gone.id}`;
    expect(row!.status).toBe("deleted");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("moderation.removePost / restorePost", () => {
  test("a removal hides the post everywhere (a follower's feed.home too) and only a moderator restores it", async () => {
    const mod = await staff("moderator");
    const author = await user();
    const fan = await user();
    await follow(sql(), fan.id, author.id);
    const post = ok(await mutate(author, "post.create", { type: "text_short", content: "spam spam" }));
    expect(await homeIds(fan)).toContain(post.id);

    expect(ok(await mutate(mod, "moderation.removePost", { postId: post.id, reason: "commercial spam" })))
      .toEqual({ targetType: "post", targetId: post.id, removed: true });
    for (const viewer of [fan, author, null]) expectErrorData(await query(viewer, "post.get", { postId: post.id }), "NOT_FOUND");
    expect(await homeIds(fan)).not.toContain(post.id);
    expect(await homeIds(author)).not.toContain(post.id);
    expect(postsOf(ok(await query(fan, "post.listByUser", { username: author.username }))).items).toEqual([]);
    // Its author cannot undo it, nor delete it again.
    expectErrorData(await mutate(author, "post.restore", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await mutate(author, "post.delete", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await mutate(mod, "moderation.removePost", { postId: post.id, reason: "again" }), "CONFLICT", { appCode: "ALREADY_REMOVED" });
    expect(await systemNotices(author.id)).toEqual([{ title: "A moderator removed your post", content: "commercial spam" }]);

    expect(ok(await mutate(mod, "moderation.restorePost", { postId: post.id, reason: "not spam after all" }))).toMatchObject({ removed: false });
    expect(ok(await query(fan, "post.get", { postId: post.id })).id).toBe(post.id);
    expect(await homeIds(fan)).toContain(post.id);
    expect((await systemNotices(author.id)).at(-1)).toEqual({ title: "A moderator restored your post", content: "not spam after all" });
    expect(await actionsAbout("post", post.id)).toEqual([
      { action: "post.remove", moderator_id: mod.id, reason: "commercial spam", target_user_id: author.id },
      { action: "post.restore", moderator_id: mod.id, reason: "not spam after all", target_user_id: author.id },
    ]);
    // Restoring what no moderator removed: nothing to undo.
    expectErrorData(await mutate(mod, "moderation.restorePost", { postId: post.id }), "NOT_FOUND");
    expectErrorData(await mutate(mod, "moderation.removePost", { postId: "999999999", reason: "x" }), "NOT_FOUND");
  });

  test("a post its author had deleted stays theirs to restore after a moderator's removal is undone; the purge keeps removed posts", async () => {
    const mod = await staff("moderator");
    const author = await user();
    const deletedFirst = ok(await mutate(author, "post.create", { type: "text_short", content: "oops" }));
    ok(await mutate(author, "post.delete", { postId: deletedFirst.id }));
    ok(await mutate(mod, "moderation.removePost", { postId: deletedFirst.id, reason: "evidence" }));
    expectErrorData(await mutate(author, "post.restore", { postId: deletedFirst.id }), "NOT_FOUND");
    ok(await mutate(mod, "moderation.restorePost", { postId: deletedFirst.id }));
    expectErrorData(await query(author, "post.get", { postId: deletedFirst.id }), "NOT_FOUND"); // still the author's deletion
    expect(ok(await mutate(author, "post.restore", { postId: deletedFirst.id })).id).toBe(deletedFirst.id);

    const removed = await createPost(sql(), author.id);
    const ownDeleted = await createPost(sql(), author.id);
    ok(await mutate(mod, "moderation.removePost", { postId: removed.id, reason: "kept" }));
    ok(await mutate(author, "post.delete", { postId: ownDeleted.id }));
    await sql()`UPDATE posts SET deleted_at = NOW() - INTERVAL '40 days' WHERE id IN (${removed.id}, ${ownDeleted.id})`;
    await purgeSoftDeletedContent(ctx.s.deps.database.db);
    const left = await sql()<{ id: string }[]>`SELECT id FROM posts WHERE id IN (${removed.id}, ${ownDeleted.id})`;
    expect(left.map((r) => r.id)).toEqual([removed.id]);
    ok(await mutate(mod, "moderation.restorePost", { postId: removed.id }));
    expect(ok(await query(null, "post.get", { postId: removed.id })).id).toBe(removed.id);
  });

  test("an admin's or moderator's post is an admin's to remove", async () => {
    const mod = await staff("moderator");
    const admin = await staff("admin");
    const post = await createPost(sql(), admin.id);
    expectErrorData(await mutate(mod, "moderation.removePost", { postId: post.id, reason: "x" }), "FORBIDDEN", { appCode: "ADMIN_REQUIRED" });
    const modPost = await createPost(sql(), mod.id);
    expectErrorData(await mutate(mod, "moderation.removePost", { postId: modPost.id, reason: "x" }), "BAD_REQUEST", { appCode: "SELF_TARGET" });
    ok(await mutate(admin, "moderation.removePost", { postId: modPost.id, reason: "x" }));
    expectErrorData(await mutate(mod, "moderation.restorePost", { postId: modPost.id }), "BAD_REQUEST", { appCode: "SELF_TARGET" });
    ok(await mutate(admin, "moderation.restorePost", { postId: modPost.id }));
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("moderation.removeComment / restoreComment", () => {
  test("a removed comment leaves comment.list and the post's count, and comes back on restore", async () => {
    const mod = await staff("moderator");
    const author = await user();
    const commenter = await user();
    const post = await createPost(sql(), author.id);
    const comment = ok(await mutate(commenter, "comment.create", { postId: post.id, content: "you are all idiots" }));
    const listed = async () => ok(await query(author, "comment.list", { postId: post.id })).items.map((c: { id: string }) => c.id);
    const count = async () => ok(await query(author, "post.get", { postId: post.id })).counts.comments;
    expect({ listed: await listed(), count: await count() }).toEqual({ listed: [comment.id], count: 1 });

    expect(ok(await mutate(mod, "moderation.removeComment", { commentId: comment.id, reason: "insults" })))
      .toEqual({ targetType: "comment", targetId: comment.id, removed: true });
    expect({ listed: await listed(), count: await count() }).toEqual({ listed: [], count: 0 });
    expectErrorData(await mutate(commenter, "comment.delete", { commentId: comment.id }), "NOT_FOUND");
    expectErrorData(await mutate(mod, "moderation.removeComment", { commentId: comment.id, reason: "x" }), "CONFLICT", { appCode: "ALREADY_REMOVED" });
    expect(await systemNotices(commenter.id)).toEqual([{ title: "A moderator removed your comment", content: "insults" }]);

    ok(await mutate(mod, "moderation.restoreComment", { commentId: comment.id }));
    expect({ listed: await listed(), count: await count() }).toEqual({ listed: [comment.id], count: 1 });
    expect((await actionsAbout("comment", comment.id)).map((a) => a.action)).toEqual(["comment.remove", "comment.restore"]);
    expectErrorData(await mutate(mod, "moderation.restoreComment", { commentId: comment.id }), "NOT_FOUND");
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("the audit log (moderation_actions)", () => {
  test("moderation.actions lists actions newest first, by account or moderator", async () => {
    const mod = await staff("moderator");
    const target = await user();
    const post = await createPost(sql(), target.id);
    ok(await mutate(mod, "moderation.removePost", { postId: post.id, reason: "r1" }));
    ok(await mutate(mod, "moderation.suspend", { userId: target.id, reason: "r2" }));
    const about = ok(await query(mod, "moderation.actions", { targetUserId: target.id }));
    expect(about.items.map((a: any) => [a.action, a.targetType, a.targetId, a.reason])).toEqual([
      ["account.suspend", "account", target.id, "r2"],
      ["post.remove", "post", post.id, "r1"],
    ]);
    expect(about.items[0]).toMatchObject({
      moderator: { id: mod.id, username: mod.username }, targetUser: { id: target.id }, targetUserId: target.id,
      details: { previousStatus: "active" },
    });
    const by = ok(await query(mod, "moderation.actions", { moderatorId: mod.id, limit: 1 }));
    expect(by.items.map((a: any) => a.action)).toEqual(["account.suspend"]);
    expect(ok(await query(mod, "moderation.actions", { moderatorId: mod.id, limit: 1, cursor: by.nextCursor })).items.map((a: any) => a.action))
      .toEqual(["post.remove"]);
  });

  test("the database refuses UPDATE, DELETE and TRUNCATE of audit rows (42501), and the rows stay", async () => {
    const mod = await staff("moderator");
    const target = await user();
    ok(await mutate(mod, "moderation.suspend", { userId: target.id, reason: "keep me" }));
    const attempts = [
      () => sql()`UPDATE moderation_actions SET reason = 'rewritten' WHERE target_user_id = ${target.id}`,
      () => sql()`DELETE FROM moderation_actions WHERE target_user_id = ${target.id}`,
      () => sql()`TRUNCATE moderation_actions`,
    ];
    for (const attempt of attempts) {
      const error = await Promise.resolve(attempt()).then(() => null, (e: { code?: string; message: string }) => e);
      expect({ code: error?.code, message: error?.message }).toMatchObject({ code: "42501", message: expect.stringContaining("append-only") });
    }
    expect(await actionsAbout("account", target.id)).toEqual([{ action: "account.suspend", moderator_id: mod.id, reason: "keep me", target_user_id: target.id }]);
  });
});

// ───────────────────────────────────────────────────────────────────────────────────────────────
describe("bun run admin:grant <username> <role>", () => {
  async function cli(...args: string[]) {
    const proc = spawn(["bun", "scripts/admin-grant.ts", ...args], {
      cwd: resolve(import.meta.dir, "../.."),
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: ctx.t.url!, LOG_LEVEL: "silent" },
      stdout: "pipe",
      stderr: "pipe",
    });
    const code = await proc.exited;
    return { code, stdout: (await new Response(proc.stdout).text()).trim(), stderr: (await new Response(proc.stderr).text()).trim() };
  }

  test("grants and revokes a role (audited, effective on the next request); unknown accounts exit 1, bad usage 2", async () => {
    if (!ctx.t.url) return; // PGlite: no second process can reach the database
    const u = await user();
    expectErrorData(await query(u, "moderation.reports", {}), "FORBIDDEN", { appCode: "MODERATOR_REQUIRED" });
    expect(await cli(u.username, "moderator")).toEqual({ code: 0, stdout: `${u.username} (id ${u.id}): user → moderator`, stderr: "" });
    ok(await query(u, "moderation.reports", {}));
    expect(await cli(u.username.toUpperCase(), "moderator")).toMatchObject({ code: 0, stdout: `${u.username} (id ${u.id}): already moderator` });
    expect(await cli(u.username, "user")).toMatchObject({ code: 0, stdout: `${u.username} (id ${u.id}): moderator → user` });
    expectErrorData(await query(u, "moderation.reports", {}), "FORBIDDEN", { appCode: "MODERATOR_REQUIRED" });
    const log = await sql()<{ moderator_id: string | null; details: Record<string, string> }[]>`
      SELECT moderator_id, details FROM moderation_actions WHERE action = 'role.set' AND target_id = ${u.id} ORDER BY id`;
    expect(log.map((r) => ({ ...r }))).toEqual([
      { moderator_id: null, details: { from: "user", to: "moderator" } },
      { moderator_id: null, details: { from: "moderator", to: "user" } },
    ]);

    expect(await cli("nobody_here_at_all", "admin")).toEqual({ code: 1, stdout: "", stderr: "admin:grant failed: User not found" });
    const gone = await user({ status: "deleted" });
    expect((await cli(gone.username, "admin")).code).toBe(1);
    for (const args of [[u.username, "superuser"], [u.username], [], [u.username, "admin", "extra"]]) {
      const out = await cli(...args);
      expect({ code: out.code, usage: out.stderr.startsWith("usage: bun run admin:grant <username> <user|moderator|admin>") }).toEqual({ code: 2, usage: true });
    }
    const [row] = await sql()<{ role: string }[]>`SELECT role FROM users WHERE id = ${u.id}`;
    expect(row!.role).toBe("user");
  });
});
