// account.export / account.exports and the export jobs (issue 19, part 8), against the test
// setup's S3-compatible store (its own s3rver; and the real S3 of TEST_S3_* when set, Ceph RGW in
// CI): request an export, run the build job, download the ZIP through the presigned URL, unzip it
// with fflate and read it; one open export per account; the owner-only listing and URL; the rate
// limit; claims and leases (two workers, a crashed build, spent attempts, failures); the expiry job.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { randomUUID } from "node:crypto";
import { strFromU8, unzipSync } from "fflate";
import { buildExportsJob, expireExportsJob, exportJobs } from "../../src/jobs/export-jobs";
import { allJobs } from "../../src/jobs/index";
import { runJobOnce } from "../../src/jobs/runner";
import { EXPORTS_PER_DAY } from "../../src/lib/rate-limit";
import { storageUnavailable, type MediaStore } from "../../src/lib/s3";
import {
  buildExport, buildPendingExports, claimExport, expireExports, MAX_EXPORT_ATTEMPTS, type ExportJobDeps,
} from "../../src/modules/account/account.export";
import { ARCHIVE_TTL_DAYS, DOWNLOAD_URL_SECONDS } from "../../src/modules/account/account.schema";
import type { RunningServer } from "../../src/server";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { createPost, follow } from "../helpers/factories";
import { type Authed, callersOf, expectErrorData, ok, startTestServer, type StoreKind, storeKinds } from "../helpers/server";

setDefaultTimeout(60_000); // see tests/setup.ts: a build, an upload and a download per test

for (const kind of storeKinds) describe(`${kind} store`, () => exportCases(kind));

describe("the export jobs", () => {
  test("are registered with the runner", () => {
    expect(exportJobs.map((j) => j.name)).toEqual(["build-account-exports", "expire-account-exports"]);
    for (const job of exportJobs) expect(allJobs).toContain(job);
  });
});

function exportCases(kind: StoreKind) {
  const ctx = {} as { t: TestDatabase; s: RunningServer };
  const userIds: string[] = [];
  beforeAll(async () => {
    ctx.t = await createTestDatabase();
    // Keys are exports/<userId>/…: on a shared real bucket, ids far from any other run's.
    if (kind === "s3") await ctx.t.sql.unsafe(`ALTER SEQUENCE users_id_seq RESTART WITH ${1e11 + Math.floor(Math.random() * 8e11)}`);
    ctx.s = await startTestServer(ctx.t, {}, { store: kind });
  }, 60_000);
  afterAll(async () => {
    if (ctx.s) {
      const keys: string[] = [];
      for (const id of userIds) for await (const o of ctx.s.deps.media.list(`exports/${id}/`)) keys.push(o.key);
      for (const key of keys) await ctx.s.deps.media.delete(key).catch(() => {});
    }
    await ctx.s?.stop();
    await ctx.t?.close();
  });

  const sql = () => ctx.t.sql;
  const store = (): MediaStore => ctx.s.deps.media;
  const callers = callersOf(ctx);
  const { mutate, query } = callers;
  const user = async (opts: Parameters<typeof callers.user>[0] = {}): Promise<Authed> => {
    const u = await callers.user(opts);
    userIds.push(u.id);
    return u;
  };
  const jobDeps = (media: MediaStore = store()): ExportJobDeps => ({ db: ctx.s.deps.database.db, media, log: ctx.s.deps.log });
  /** Builds every pending export of this database, as the job does. */
  const build = (opts: { workerId?: string; media?: MediaStore } = {}) =>
    buildPendingExports(jobDeps(opts.media), { workerId: opts.workerId ?? "test-worker", maxBuilds: 50 });
  const requestExport = async (u: Authed) => ok(await mutate(u, "account.export"));
  const listExports = async (u: Authed) => ok(await query(u, "account.exports")).items as any[];
  const row = async (id: string) => (await sql()<any[]>`SELECT * FROM account_exports WHERE id = ${id}`)[0];
  /** Downloads the archive through the URL account.exports gave and unzips it. */
  async function download(url: string): Promise<Record<string, Uint8Array>> {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return unzipSync(new Uint8Array(await res.arrayBuffer()));
  }
  const json = (files: Record<string, Uint8Array>, name: string) => JSON.parse(strFromU8(files[name]!));

  /** A ready export of `u`: requested, built, listed. */
  async function readyExport(u: Authed) {
    const requested = await requestExport(u);
    await build();
    const listed = (await listExports(u)).find((e) => e.id === requested.id);
    expect(listed?.status).toBe("ready");
    return listed;
  }

  test("the archive: profile, posts (drafts and scheduled too, with media), comments, follows, lists, feeds, likes, sent messages only", async () => {
    const me = await user({ displayName: "Export Me" });
    const friend = await user();
    const fan = await user();
    await sql()`UPDATE user_profiles SET bio = 'my bio', website = 'https://me.example' WHERE user_id = ${me.id}`;
    const [section] = await sql()<{ id: string }[]>`
      INSERT INTO profile_sections (user_id, type, title, display_order) VALUES (${me.id}, 'links', 'My links', 0) RETURNING id`;
    await sql()`INSERT INTO section_content (section_id, content_type, title, url) VALUES (${section!.id}, 'link', 'Site', 'https://me.example')`;

    const published = await createPost(sql(), me.id, { type: "image", content: "a picture #sunset" });
    const fileKey = `users/${me.id}/posts/${randomUUID()}.png`;
    await sql()`INSERT INTO post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type, width, height)
                VALUES (${published.id}, ${me.id}, 'image', ${store().publicUrl(fileKey)}, 1234, 'image/png', 40, 30)`;
    await sql()`INSERT INTO post_tags (post_id, tag) VALUES (${published.id}, 'sunset')`;
    const draft = await createPost(sql(), me.id, { status: "draft", content: "my secret draft" });
    const scheduled = await createPost(sql(), me.id, { status: "scheduled", content: "later" });
    const othersPost = await createPost(sql(), friend.id, { content: "friend's post" });
    await createPost(sql(), friend.id, { status: "draft", content: "friend's draft" });

    const [myComment] = await sql()<{ id: string }[]>`
      INSERT INTO comments (post_id, user_id, content) VALUES (${othersPost.id}, ${me.id}, 'nice one') RETURNING id`;
    await sql()`INSERT INTO comments (post_id, user_id, content) VALUES (${published.id}, ${friend.id}, 'comment by friend')`;
    await sql()`INSERT INTO post_interactions (user_id, post_id, type) VALUES (${me.id}, ${othersPost.id}, 'like'), (${me.id}, ${othersPost.id}, 'bookmark')`;
    await sql()`INSERT INTO reposts (user_id, post_id, comment) VALUES (${me.id}, ${othersPost.id}, 'look')`;

    await follow(sql(), me.id, friend.id);
    await follow(sql(), fan.id, me.id);
    const list = ok(await mutate(me, "list.create", { name: "Close friends" }));
    ok(await mutate(me, "list.addMember", { listId: list.id, userId: friend.id }));
    const feed = ok(await mutate(me, "feed.create", { name: "Sunsets", algorithmConfig: { filters: [{ type: "tag", operator: "equals", value: "sunset" }] } }));

    const ids = [me.id, friend.id].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    const [conv] = await sql()<{ id: string }[]>`INSERT INTO conversations (participant_ids) VALUES (${sql().array(ids)}::bigint[]) RETURNING id`;
    const [sent] = await sql()<{ id: string }[]>`
      INSERT INTO messages (conversation_id, sender_id, content) VALUES (${conv!.id}, ${me.id}, 'hello from me') RETURNING id`;
    await sql()`INSERT INTO messages (conversation_id, sender_id, content) VALUES (${conv!.id}, ${friend.id}, 'reply from friend')`;
    const usedBefore = (await sql()<{ used_bytes: string }[]>`SELECT used_bytes FROM storage_usage WHERE user_id = ${me.id}`)[0]!.used_bytes;

    // The request: pending, nothing to download yet; asking again returns the same export.
    const requested = await requestExport(me);
    expect(requested).toEqual({
      id: expect.any(String), status: "pending", createdAt: expect.any(String), startedAt: null, readyAt: null, expiresAt: null,
      sizeBytes: null, downloadUrl: null, downloadUrlExpiresAt: null, error: null,
    });
    expect((await requestExport(me)).id).toBe(requested.id);
    expect((await listExports(me)).map((e) => [e.id, e.status, e.downloadUrl])).toEqual([[requested.id, "pending", null]]);

    // The job, run as the runner runs it.
    const report = await runJobOnce(ctx.s.deps, buildExportsJob);
    expect(report).toMatchObject({ ready: 1, failed: 0 });

    const [ready] = await listExports(me);
    expect(ready).toMatchObject({ id: requested.id, status: "ready", error: null });
    expect(ready.sizeBytes).toBeGreaterThan(0);
    const readyAt = Date.parse(ready.readyAt);
    expect(Date.parse(ready.expiresAt) - readyAt).toBeGreaterThan(ARCHIVE_TTL_DAYS * 86_400_000 - 60_000);
    expect(Date.parse(ready.downloadUrlExpiresAt) - Date.now()).toBeLessThanOrEqual(DOWNLOAD_URL_SECONDS * 1000);
    expect(Date.parse(ready.downloadUrlExpiresAt) - Date.now()).toBeGreaterThan(DOWNLOAD_URL_SECONDS * 1000 - 60_000);

    // Stored under exports/<userId>/<id>-<random>.zip, in the store the media module uses.
    const stored = await row(requested.id);
    expect(stored.object_key).toMatch(new RegExp(`^exports/${me.id}/${requested.id}-[0-9a-f]{32}\\.zip$`));
    expect((await store().head(stored.object_key))?.size).toBe(ready.sizeBytes);
    expect(stored.attempts).toBe(1);
    expect(stored.locked_by).toBeNull();

    const files = await download(ready.downloadUrl);
    expect(Object.keys(files).sort()).toEqual([
      "README.txt", "bookmarks.json", "comments.json", "feeds.json", "follows.json", "likes.json", "lists.json",
      "manifest.json", "messages.json", "posts.json", "profile.json", "reposts.json",
    ]);
    expect(strFromU8(files["README.txt"]!)).toContain(`@${me.username}`);

    const profile = json(files, "profile.json");
    expect(profile.account).toMatchObject({ id: me.id, username: me.username, email: me.email, status: "active" });
    expect(profile.account).not.toHaveProperty("passwordHash");
    expect(JSON.stringify(profile)).not.toContain("argon2");
    expect(profile.profile).toMatchObject({ displayName: "Export Me", bio: "my bio", website: "https://me.example", visibility: "public" });
    expect(profile.sections).toEqual([
      expect.objectContaining({ id: section!.id, type: "links", title: "My links", items: [expect.objectContaining({ contentType: "link", title: "Site", url: "https://me.example" })] }),
    ]);

    const posts = json(files, "posts.json");
    expect(posts.map((p: any) => p.id).sort()).toEqual([published.id, draft.id, scheduled.id].sort());
    const byId = new Map<string, any>(posts.map((p: any) => [p.id, p]));
    // Ids are strings, as on the wire (checked first: toMatchObject's matchers below rewrite what they matched).
    expect(typeof byId.get(published.id).media[0].id).toBe("string");
    expect(byId.get(draft.id)).toMatchObject({ status: "draft", content: "my secret draft", media: [], tags: [] });
    expect(byId.get(scheduled.id)).toMatchObject({ status: "scheduled", scheduledFor: expect.stringMatching(/Z$/) });
    expect(byId.get(published.id)).toMatchObject({
      status: "published", type: "image", content: "a picture #sunset", tags: ["sunset"],
      media: [expect.objectContaining({ type: "image", fileUrl: store().publicUrl(fileKey), key: fileKey, fileSizeBytes: 1234, mimeType: "image/png", width: 40, height: 30 })],
    });

    const comments = json(files, "comments.json");
    expect(comments).toEqual([expect.objectContaining({ id: myComment!.id, postId: othersPost.id, content: "nice one" })]);
    expect(json(files, "reposts.json")).toEqual([expect.objectContaining({ postId: othersPost.id, comment: "look" })]);
    expect(json(files, "likes.json")).toEqual([{ postId: othersPost.id, createdAt: expect.any(String) }]);
    expect(json(files, "bookmarks.json")).toEqual([{ postId: othersPost.id, createdAt: expect.any(String) }]);

    const follows = json(files, "follows.json");
    expect(follows).toEqual({
      following: [{ userId: friend.id, username: friend.username, since: expect.any(String) }],
      followers: [{ userId: fan.id, username: fan.username, since: expect.any(String) }],
    });
    expect(json(files, "lists.json")).toEqual([
      expect.objectContaining({ id: list.id, name: "Close friends", members: [{ userId: friend.id, username: friend.username, addedAt: expect.any(String) }] }),
    ]);
    const feeds = json(files, "feeds.json");
    expect(feeds).toEqual([expect.objectContaining({ id: feed.id, name: "Sunsets", algorithmConfig: expect.objectContaining({ filters: expect.any(Array) }) })]);
    expect(feeds[0].filters).toEqual([expect.objectContaining({ type: "tag", operator: "equals", value: "sunset" })]);

    // The message the owner sent, and not the one they received.
    expect(json(files, "messages.json")).toEqual([{
      id: sent!.id, conversationId: conv!.id, to: [{ id: friend.id, username: friend.username }], content: "hello from me",
      createdAt: expect.any(String), updatedAt: expect.any(String), deletedAt: null,
    }]);
    for (const name of Object.keys(files)) {
      const text = strFromU8(files[name]!);
      expect(text).not.toContain("reply from friend");
      expect(text).not.toContain("friend's draft");
      expect(text).not.toContain("comment by friend");
    }

    const manifest = json(files, "manifest.json");
    expect(manifest).toMatchObject({
      format: "vrss-account-export", version: 1, exportId: requested.id, account: { id: me.id, username: me.username },
      counts: { sections: 1, posts: 3, media: 1, comments: 1, reposts: 1, following: 1, followers: 1, lists: 1, listMembers: 1, feeds: 1, likes: 1, bookmarks: 1, messages: 1 },
    });
    expect(Date.parse(manifest.generatedAt)).toBeGreaterThanOrEqual(Date.parse(requested.createdAt));
    expect(stored.counts).toEqual(manifest.counts);

    // The owner is told, with a link to the exports page (not the short-lived URL).
    const notes = await sql()<any[]>`SELECT type, actor_id, title, action_url FROM notifications WHERE user_id = ${me.id} AND type = 'export'`;
    expect(notes.map((n) => ({ ...n }))).toEqual([{ type: "export", actor_id: null, title: "Your archive is ready", action_url: "/settings/exports" }]);
    const listed = ok(await query(me, "notification.list", { limit: 10 })).items;
    expect(listed.some((n: any) => n.type === "export" && n.title === "Your archive is ready")).toBe(true);

    // Not charged to the owner's storage.
    expect((await sql()<{ used_bytes: string }[]>`SELECT used_bytes FROM storage_usage WHERE user_id = ${me.id}`)[0]!.used_bytes).toBe(usedBefore);
    // A new request once it is ready is a new export.
    expect((await requestExport(me)).id).not.toBe(requested.id);
    await build();
  });

  test("large accounts are read page by page: every post and follower is in the archive, once", async () => {
    const me = await user();
    await sql()`INSERT INTO posts (user_id, type, status, content, published_at, created_at)
      SELECT ${me.id}, 'text_short', 'published', 'bulk ' || g, now(), now() - (g % 7) * interval '1 second' FROM generate_series(1, 230) g`;
    await sql()`INSERT INTO posts (user_id, type, status, content) SELECT ${me.id}, 'text_short', 'draft', 'draft ' || g FROM generate_series(1, 60) g`;
    const fans: string[] = [];
    for (let i = 0; i < 12; i++) fans.push((await user()).id);
    await sql()`INSERT INTO user_follows (follower_id, following_id, created_at)
      SELECT f, ${me.id}, now() FROM unnest(${sql().array(fans)}::bigint[]) f`;
    await sql()`INSERT INTO comments (post_id, user_id, content)
      SELECT p.id, ${me.id}, 'c' || g FROM (SELECT id FROM posts WHERE user_id = ${me.id} AND status = 'published' LIMIT 1) p, generate_series(1, 1100) g`;
    const ready = await readyExport(me);
    const files = await download(ready.downloadUrl);
    const posts = json(files, "posts.json");
    expect(posts.length).toBe(290);
    expect(new Set(posts.map((p: any) => p.id)).size).toBe(290);
    const comments = json(files, "comments.json");
    expect(comments.length).toBe(1100);
    expect(comments.map((c: any) => BigInt(c.id))).toEqual([...comments.map((c: any) => BigInt(c.id))].sort((a, b) => (a < b ? -1 : 1)));
    expect(json(files, "follows.json").followers.map((f: any) => f.userId).sort()).toEqual([...fans].sort());
    expect(json(files, "manifest.json").counts).toMatchObject({ posts: 290, comments: 1100, followers: 12 });
  });

  test("only the owner: another account's exports are never listed; the URL is signed for one object; never served by /media", async () => {
    const owner = await user();
    const other = await user();
    await createPost(sql(), owner.id, { content: "owner's words" });
    const mine = await readyExport(owner);
    const theirs = await readyExport(other);
    expect((await listExports(other)).map((e) => e.id)).toEqual([theirs.id]);
    expect((await listExports(owner)).map((e) => e.id)).toEqual([mine.id]);
    expectErrorData(await query(null, "account.exports"), "UNAUTHORIZED");
    expectErrorData(await mutate(null, "account.export"), "UNAUTHORIZED");

    const url = new URL(mine.downloadUrl);
    const key = (await row(mine.id)).object_key as string;
    expect(decodeURIComponent(url.pathname)).toEndWith(`/${key}`);
    // Never through GET /media (that serves the upload layout only).
    const viaApp = await fetch(store().publicUrl(key));
    await viaApp.arrayBuffer();
    expect(viaApp.status).toBe(404);
    if (store().enforcesPresignedConditions) {
      // A real S3 (s3rver checks no V4 signature and lets anyone read): the bucket is private…
      const bare = await fetch(`${url.origin}${url.pathname}`);
      await bare.arrayBuffer();
      expect(bare.status).toBe(403);
      // …and the signature covers the key: the owner's URL pointed at another archive is refused.
      const otherKey = (await row(theirs.id)).object_key as string;
      const forged = new URL(mine.downloadUrl);
      forged.pathname = forged.pathname.replace(key.split("/").map(encodeURIComponent).join("/"), otherKey.split("/").map(encodeURIComponent).join("/"));
      expect(forged.pathname).not.toBe(url.pathname);
      const res = await fetch(forged);
      await res.arrayBuffer();
      expect(res.status).toBe(403);
    }
    // The owner's URL gives the owner's archive.
    const files = await download(mine.downloadUrl);
    expect(json(files, "manifest.json").account.id).toBe(owner.id);
  });

  test(`rate limit: ${EXPORTS_PER_DAY} exports a day; asking while one is open returns it without counting`, async () => {
    const u = await user();
    const first = await requestExport(u);
    for (let i = 0; i < 3; i++) expect((await requestExport(u)).id).toBe(first.id);
    await build();
    const made = [first.id];
    for (let i = 1; i < EXPORTS_PER_DAY; i++) {
      const next = await requestExport(u);
      expect(made).not.toContain(next.id);
      made.push(next.id);
      await build();
    }
    const refused = expectErrorData(await mutate(u, "account.export"), "TOO_MANY_REQUESTS", { appCode: "RATE_LIMITED" });
    expect(refused.details.retryAfterSeconds).toBeGreaterThan(3600);
    expect((await listExports(u)).map((e) => e.id)).toEqual([...made].reverse());
    // Others are not affected.
    expect((await requestExport(await user())).status).toBe("pending");
    await build();
  });

  test("claims: two workers never take the same export; a crashed build is claimed again and the late worker records nothing", async () => {
    const u = await user();
    const requested = await requestExport(u);
    const db = ctx.s.deps.database.db;
    const claims = await Promise.all([claimExport(db, { workerId: "w1", leaseMs: 150 }), claimExport(db, { workerId: "w2", leaseMs: 150 })]);
    const taken = claims.filter((c) => c !== null);
    expect(taken.map((c) => c!.id)).toEqual([requested.id]);
    const crashed = taken[0]!;
    const crashedBy = claims[0] ? "w1" : "w2";
    // While its lease holds, nobody else gets it.
    expect(await claimExport(db, { workerId: "w3" })).toBeNull();
    expect((await listExports(u))[0].status).toBe("running");
    // The worker died: once the lease passes, the job claims it again and builds it.
    await Bun.sleep(250);
    expect(await build({ workerId: "w3" })).toMatchObject({ ready: 1 });
    const done = await row(requested.id);
    expect({ status: done.status, attempts: done.attempts, locked_by: done.locked_by }).toEqual({ status: "ready", attempts: 2, locked_by: null });
    expect(done.object_key).toBe(crashed.object_key);
    // The first worker wakes up and finishes its build: fenced off, the row stays w3's result.
    expect(await buildExport(jobDeps(), crashed, { workerId: crashedBy })).toBe("lost");
    const after = await row(requested.id);
    expect({ status: after.status, ready_at: after.ready_at }).toEqual({ status: "ready", ready_at: done.ready_at });
    const files = await download((await listExports(u))[0].downloadUrl);
    expect(json(files, "manifest.json").exportId).toBe(requested.id);
  });

  test("failures: spent attempts and a broken build fail with a safe message (and a notice); a store outage is retried", async () => {
    const u = await user();
    const exhausted = await requestExport(u);
    await sql()`UPDATE account_exports SET attempts = ${MAX_EXPORT_ATTEMPTS} WHERE id = ${exhausted.id}`;
    expect(await build()).toMatchObject({ failed: 1 });
    const failed = (await listExports(u))[0];
    expect(failed).toMatchObject({ id: exhausted.id, status: "failed", downloadUrl: null, error: "The archive could not be built. Please request a new export." });

    // The store goes down mid-build: back to pending for the next run, nothing charged.
    const outage = await requestExport(u);
    const down: MediaStore = { ...store(), presignPut: async () => { throw storageUnavailable(new Error("connect ECONNREFUSED")); } };
    expect(await build({ media: down })).toMatchObject({ retry: 1, failed: 0 });
    expect(await row(outage.id)).toMatchObject({ status: "pending", attempts: 1, locked_by: null });

    // A bug: failed, the owner sees the safe message, never the error's text; the object is gone.
    const broken: MediaStore = { ...store(), presignPut: async () => { throw new Error("internal detail: bucket policy xyz"); } };
    expect(await build({ media: broken })).toMatchObject({ failed: 1 });
    const failedRow = await row(outage.id);
    expect(failedRow).toMatchObject({ status: "failed", error: "The archive could not be built. Please request a new export.", locked_by: null });
    expect(await store().head(failedRow.object_key)).toBeNull();
    expect(JSON.stringify(await listExports(u))).not.toContain("internal detail");
    const notes = await sql()<{ title: string; content: string }[]>`
      SELECT title, content FROM notifications WHERE user_id = ${u.id} AND type = 'export' ORDER BY id`;
    expect(notes.map((n) => n.title)).toEqual(["Your archive could not be built", "Your archive could not be built"]);
    expect(notes.map((n) => n.content).join(" ")).not.toContain("internal detail");

    // A suspended account's export is not built.
    const suspended = await user();
    const pending = await requestExport(suspended);
    await sql()`UPDATE users SET status = 'suspended' WHERE id = ${suspended.id}`;
    await build();
    expect(await row(pending.id)).toMatchObject({ status: "failed", error: "The account is not active." });
  });

  test("expiry: an aged archive loses its object and its row says expired; old finished rows are forgotten; leftovers are swept", async () => {
    const u = await user();
    const ready = await readyExport(u);
    const key = (await row(ready.id)).object_key as string;
    expect(await store().head(key)).not.toBeNull();
    await sql()`UPDATE account_exports SET expires_at = NOW() - interval '1 minute', ready_at = NOW() - interval '7 days 1 minute' WHERE id = ${ready.id}`;
    // Past its expiry it is expired for the owner at once, without a URL.
    expect((await listExports(u))[0]).toMatchObject({ id: ready.id, status: "expired", downloadUrl: null });

    const report = await runJobOnce(ctx.s.deps, expireExportsJob);
    expect(report).toMatchObject({ expired: 1, deleteFailed: 0 });
    expect(await store().head(key)).toBeNull();
    expect(await row(ready.id)).toMatchObject({ status: "expired" });
    expect((await listExports(u))[0]).toMatchObject({ id: ready.id, status: "expired", downloadUrl: null });

    // A store that cannot delete: the row stays (ready, past expiry) for the next run.
    const second = await readyExport(await user());
    const secondKey = (await row(second.id)).object_key as string;
    await sql()`UPDATE account_exports SET expires_at = NOW() - interval '1 minute' WHERE id = ${second.id}`;
    const stuck: MediaStore = { ...store(), delete: async () => { throw storageUnavailable(); } };
    expect(await expireExports({ db: ctx.s.deps.database.db, media: stuck })).toMatchObject({ expired: 0, deleteFailed: 1 });
    expect(await row(second.id)).toMatchObject({ status: "ready" });
    expect(await expireExports({ db: ctx.s.deps.database.db, media: store() })).toMatchObject({ expired: 1 });
    expect(await store().head(secondKey)).toBeNull();

    // Rows finished more than the retention ago are deleted.
    await sql()`UPDATE account_exports SET created_at = NOW() - interval '31 days' WHERE id = ${ready.id}`;
    expect(await expireExports({ db: ctx.s.deps.database.db, media: store() })).toMatchObject({ forgotten: 1 });
    expect(await row(ready.id)).toBeUndefined();

    if (kind === "embedded") {
      // The sweep (its own throwaway store here): an object no live export names goes, a ready archive stays.
      const kept = await readyExport(await user());
      const keptKey = (await row(kept.id)).object_key as string;
      const orphan = `exports/${u.id}/999999-${"a".repeat(32)}.zip`;
      await store().put(orphan, new Uint8Array([1, 2, 3]), "application/zip");
      expect(await expireExports({ db: ctx.s.deps.database.db, media: store() }, { sweepOlderThanMs: 0 })).toMatchObject({ swept: 1 });
      expect(await store().head(orphan)).toBeNull();
      expect(await store().head(keptKey)).not.toBeNull();
    }
  });
}
