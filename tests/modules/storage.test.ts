// Storage and subscriptions over HTTP: storage.usage (used from post_media, reserved from upload
// reservations, percent, breakdown, tier, subscription), storage.tiers, subscription.change
// (upgrade, downgrade below usage, same tier, unknown tier), subscription.cancel (grace), the
// expire-grace-periods and reconcile-storage jobs, the 80% / 95% warnings (once per crossing) and
// concurrent changes for one user.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { reconcileStorage, reconcileStorageJob, expireGracePeriodsJob } from "../../src/jobs/storage-jobs";
import { runJobOnce } from "../../src/jobs/runner";
import { checkStorageWarnings, expireGracePeriods, QUOTA_REDUCED_CONTENT } from "../../src/modules/storage/storage.service";
import type { RunningServer } from "../../src/server";
import type { AppDeps } from "../../src/trpc/context";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";
import { addMedia, createPost, createUpload, createUserWithToken, type TestUser } from "../helpers/factories";
import { ok, rpc, type RpcResult, startTestServer } from "../helpers/server";

setDefaultTimeout(30_000); // see tests/setup.ts

type Authed = TestUser & { token: string };

const FREE = 52_428_800;
const BASIC = 1_073_741_824;
const PRO = 5_368_709_120;
const PREMIUM = 10_737_418_240;
const DAY = 86_400_000;

let t: TestDatabase;
let s: RunningServer;
const tiers: Record<string, string> = {};
beforeAll(async () => {
  t = await createTestDatabase();
  s = await startTestServer(t);
  for (const r of await t.sql<{ id: string; name: string }[]>`SELECT id, name FROM subscription_tiers`) tiers[r.name] = r.id;
}, 60_000);
afterAll(async () => {
  await s?.stop();
  await t?.close();
});

function expectError(res: RpcResult, code: string, appCode?: string) {
  expect({ code: res.body?.error?.data?.code, ...(appCode ? { appCode: res.body?.error?.data?.appCode } : {}) })
    .toEqual({ code, ...(appCode ? { appCode } : {}) });
}

const mutate = (u: Authed | null, path: string, input?: unknown) => rpc(s.url, path, input, { token: u?.token });
const query = (u: Authed | null, path: string, input?: unknown) => rpc(s.url, path, input, { method: "GET", token: u?.token });
const user = () => createUserWithToken(t.sql);
const usage = async (u: Authed) => ok(await query(u, "storage.usage"));
const change = (u: Authed, tier: string) => mutate(u, "subscription.change", { tierId: tiers[tier] });

/** Stores `bytes` of media for the user (post_media rows; the trigger moves them into storage_usage). */
async function store(u: TestUser, bytes: number, type: "image" | "gif" | "video" | "audio" | "document" = "image"): Promise<string> {
  const post = await createPost(t.sql, u.id);
  return (await addMedia(t.sql, u.id, post.id, { type, sizeBytes: bytes })).id;
}
async function systemNotifications(u: TestUser) {
  const rows = await t.sql<{ title: string; content: string | null; action_url: string | null }[]>`
    SELECT title, content, action_url FROM notifications WHERE user_id = ${u.id} AND type = 'system' ORDER BY id`;
  return rows.map((r) => ({ title: r.title, content: r.content }));
}
async function subscriptions(u: TestUser) {
  const rows = await t.sql<{ tier: string; status: string; stripe_subscription_id: string | null; stripe_customer_id: string | null;
    canceled: boolean; grace: boolean; month: boolean }[]>`
    SELECT t.name AS tier, us.status::text AS status, us.stripe_subscription_id, us.stripe_customer_id,
           us.canceled_at IS NOT NULL AS canceled, us.grace_ends_at IS NOT NULL AS grace,
           us.current_period_end = us.current_period_start + interval '1 month' AS month
    FROM user_subscriptions us JOIN subscription_tiers t ON t.id = us.tier_id
    WHERE us.user_id = ${u.id} ORDER BY us.id`;
  return rows.map((r) => ({ ...r }));
}
async function quotaOf(u: TestUser): Promise<number> {
  const [row] = await t.sql<{ q: string }[]>`SELECT quota_bytes AS q FROM storage_usage WHERE user_id = ${u.id}`;
  return Number(row!.q);
}

describe("storage.usage", () => {
  test("used from post_media, reserved from held uploads, percent, breakdown, tier, no subscription", async () => {
    const u = await user();
    await store(u, 1000, "image");
    await store(u, 500, "gif");
    await store(u, 3000, "video");
    await store(u, 700, "audio");
    await store(u, 200, "document");
    await createUpload(t.sql, u.id, { status: "pending", sizeBytes: 400 });
    await createUpload(t.sql, u.id, { status: "confirmed", sizeBytes: 600 });
    await createUpload(t.sql, u.id, { status: "attached", sizeBytes: 900 }); // its bytes are in post_media
    const stale = await createUpload(t.sql, u.id, { status: "pending", sizeBytes: 10_000 });
    await t.sql`UPDATE upload_reservations SET expires_at = now() - interval '1 minute' WHERE id = ${stale.id}`;

    const view = await usage(u);
    expect(view).toEqual({
      usedBytes: 5400,
      quotaBytes: FREE,
      availableBytes: FREE - 5400 - 1000,
      reservedBytes: 1000,
      percentUsed: Math.round((5400 / FREE) * 10_000) / 100,
      breakdown: { images: 1500, videos: 3000, audio: 700, other: 200 },
      tier: { id: tiers.Free, name: "Free" },
      subscription: null,
      overQuota: false,
    });
    expect(Object.values(view.breakdown as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(view.usedBytes);
  });

  test("percent with decimals, available never below zero, overQuota", async () => {
    const u = await user();
    await store(u, FREE / 4 + 1234);
    let view = await usage(u);
    expect(view.percentUsed).toBe(Math.round(((FREE / 4 + 1234) / FREE) * 10_000) / 100);
    await store(u, FREE); // over quota (written directly; uploads would be refused)
    view = await usage(u);
    expect({ available: view.availableBytes, over: view.overQuota, pct: view.percentUsed > 100 }).toEqual({ available: 0, over: true, pct: true });
  });

  test("needs a session", async () => {
    expectError(await query(null, "storage.usage"), "UNAUTHORIZED");
  });
});

describe("storage.tiers", () => {
  test("active tiers by storage, public; inactive ones hidden", async () => {
    await t.sql`INSERT INTO subscription_tiers (name, storage_bytes, price_monthly_cents, is_active) VALUES ('Legacy', 2000000000, 299, FALSE)`;
    const list = ok(await query(null, "storage.tiers"));
    expect(list).toEqual([
      { id: tiers.Free, name: "Free", description: "50 MB of media storage", storageBytes: FREE, priceMonthlyCents: 0 },
      { id: tiers.Basic, name: "Basic", description: "1 GB of media storage", storageBytes: BASIC, priceMonthlyCents: 499 },
      { id: tiers.Pro, name: "Pro", description: "5 GB of media storage", storageBytes: PRO, priceMonthlyCents: 999 },
      { id: tiers.Premium, name: "Premium", description: "10 GB of media storage", storageBytes: PREMIUM, priceMonthlyCents: 1499 },
    ]);
  });
});

describe("subscription.change", () => {
  test("upgrade: quota follows at once; one active subscription with NULL provider fields", async () => {
    const u = await user();
    const res = ok(await change(u, "Basic"));
    expect(res.changed).toBe(true);
    expect(res.usage).toMatchObject({ quotaBytes: BASIC, tier: { id: tiers.Basic, name: "Basic" }, subscription: { status: "active", graceEndsAt: null } });
    expect(new Date(res.usage.subscription.currentPeriodEnd).getTime()).toBeGreaterThan(Date.now() + 27 * DAY);
    expect(await quotaOf(u)).toBe(BASIC);
    expect(await subscriptions(u)).toEqual([
      { tier: "Basic", status: "active", stripe_subscription_id: null, stripe_customer_id: null, canceled: false, grace: false, month: true },
    ]);

    // Upgrade again: the old row is canceled, the new one active.
    ok(await change(u, "Premium"));
    expect(await quotaOf(u)).toBe(PREMIUM);
    expect((await subscriptions(u)).map((r) => [r.tier, r.status, r.canceled])).toEqual([["Basic", "canceled", true], ["Premium", "active", false]]);
    expect(await systemNotifications(u)).toEqual([]);
  });

  test("same tier is a no-op returning the current state; Free without a subscription too", async () => {
    const u = await user();
    ok(await change(u, "Pro"));
    const again = ok(await change(u, "Pro"));
    expect(again).toMatchObject({ changed: false, usage: { quotaBytes: PRO, tier: { name: "Pro" }, subscription: { status: "active" } } });
    expect((await subscriptions(u)).length).toBe(1);

    const free = await user();
    expect(ok(await change(free, "Free"))).toMatchObject({ changed: false, usage: { quotaBytes: FREE, tier: { name: "Free" }, subscription: null } });
    expect(await subscriptions(free)).toEqual([]);
  });

  test("unknown or inactive tier is NOT_FOUND; a malformed id is BAD_REQUEST; needs a session", async () => {
    const u = await user();
    expectError(await mutate(u, "subscription.change", { tierId: "999999" }), "NOT_FOUND", "TIER_NOT_FOUND");
    const [legacy] = await t.sql<{ id: string }[]>`
      INSERT INTO subscription_tiers (name, storage_bytes, price_monthly_cents, is_active) VALUES ('Retired', 3000000000, 399, FALSE) RETURNING id`;
    expectError(await mutate(u, "subscription.change", { tierId: legacy!.id }), "NOT_FOUND", "TIER_NOT_FOUND");
    expectError(await mutate(u, "subscription.change", { tierId: "abc" }), "BAD_REQUEST");
    expectError(await mutate(u, "subscription.change", {}), "BAD_REQUEST");
    expectError(await mutate(null, "subscription.change", { tierId: tiers.Basic }), "UNAUTHORIZED");
    expect(await quotaOf(u)).toBe(FREE);
    expect(await subscriptions(u)).toEqual([]);
  });

  test("downgrade below usage: quota reduced at once, nothing deleted, notified, uploads refused", async () => {
    const u = await user();
    ok(await change(u, "Basic"));
    const media = [await store(u, 40_000_000, "video"), await store(u, 20_000_000, "image")];

    const res = ok(await change(u, "Free"));
    expect(res.usage).toMatchObject({
      usedBytes: 60_000_000, quotaBytes: FREE, availableBytes: 0, overQuota: true, tier: { name: "Free" }, subscription: null,
    });
    const [kept] = await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM post_media WHERE id IN ${t.sql(media)}`;
    expect(kept!.n).toBe(2);
    expect((await subscriptions(u)).map((r) => [r.tier, r.status, r.canceled])).toEqual([["Basic", "canceled", true]]);
    // One message: the quota reduction (the 95% warning would only repeat it).
    expect(await systemNotifications(u)).toEqual([{ title: "Storage Quota Reduced", content: QUOTA_REDUCED_CONTENT }]);

    const upload = await mutate(u, "media.createUpload", { fileName: "a.png", mimeType: "image/png", sizeBytes: 1000 });
    expectError(upload, "FORBIDDEN", "STORAGE_QUOTA_EXCEEDED");
  });

  test("a downgrade that crosses 80% (not over quota) warns through checkStorageWarnings", async () => {
    const u = await user();
    await store(u, Math.ceil(FREE * 0.85));
    await checkStorageWarnings(t.db, u.id);
    ok(await change(u, "Basic")); // ~4%: the warning is re-armed
    ok(await change(u, "Free")); // 85% again
    expect((await systemNotifications(u)).map((n) => n.title)).toEqual(["Storage Warning", "Storage Warning"]);
  });
});

describe("subscription.cancel and the grace period", () => {
  test("cancel keeps the quota through a 30-day grace; a second cancel is BAD_REQUEST", async () => {
    const u = await user();
    ok(await change(u, "Pro"));
    const res = ok(await mutate(u, "subscription.cancel"));
    const sub = res.usage.subscription;
    expect(res.usage).toMatchObject({ quotaBytes: PRO, tier: { name: "Pro" }, subscription: { status: "canceled" } });
    const grace = new Date(sub.graceEndsAt).getTime();
    // The later of the paid period's end and now + 30 days.
    expect(grace).toBe(Math.max(new Date(sub.currentPeriodEnd).getTime(), grace));
    expect(grace).toBeGreaterThanOrEqual(Date.now() + 30 * DAY - 60_000);
    expect(grace).toBeLessThanOrEqual(Date.now() + 32 * DAY);
    expect((await subscriptions(u)).map((r) => [r.tier, r.status, r.canceled, r.grace])).toEqual([["Pro", "canceled", true, true]]);

    // The job leaves a grace that is not over alone.
    await expireGracePeriods(t.db);
    expect(await quotaOf(u)).toBe(PRO);
    expect((await usage(u)).subscription.status).toBe("canceled");

    expectError(await mutate(u, "subscription.cancel"), "BAD_REQUEST", "NO_ACTIVE_SUBSCRIPTION");
  });

  test("without a paid subscription: BAD_REQUEST NO_ACTIVE_SUBSCRIPTION; needs a session", async () => {
    const u = await user();
    expectError(await mutate(u, "subscription.cancel"), "BAD_REQUEST", "NO_ACTIVE_SUBSCRIPTION");
    expectError(await mutate(null, "subscription.cancel"), "UNAUTHORIZED");
  });

  test("after the grace: expired, Free quota, notified when over it; others untouched", async () => {
    const over = await user();
    ok(await change(over, "Basic"));
    await store(over, 60_000_000);
    ok(await mutate(over, "subscription.cancel"));
    const under = await user();
    ok(await change(under, "Premium"));
    await store(under, 1000);
    ok(await mutate(under, "subscription.cancel"));
    const waiting = await user();
    ok(await change(waiting, "Pro"));
    ok(await mutate(waiting, "subscription.cancel"));
    await t.sql`UPDATE user_subscriptions SET grace_ends_at = now() - interval '1 second' WHERE user_id IN ${t.sql([over.id, under.id])}`;

    const report = await expireGracePeriods(t.db, { batch: 1 }); // batches of one: the loop goes on
    expect(report).toEqual({ expired: 2, reduced: 2, overQuota: 1 });
    for (const u of [over, under]) {
      expect((await subscriptions(u)).map((r) => r.status)).toEqual(["expired"]);
      expect(await usage(u)).toMatchObject({ quotaBytes: FREE, tier: { name: "Free" }, subscription: null });
    }
    expect(await systemNotifications(over)).toEqual([{ title: "Storage Quota Reduced", content: QUOTA_REDUCED_CONTENT }]);
    expect(await systemNotifications(under)).toEqual([]);
    expect(await quotaOf(waiting)).toBe(PRO);

    expect(await expireGracePeriods(t.db)).toEqual({ expired: 0, reduced: 0, overQuota: 0 });
  });

  test("subscribing again during the grace ends it: the job no longer lowers the quota", async () => {
    const u = await user();
    ok(await change(u, "Basic"));
    ok(await mutate(u, "subscription.cancel"));
    const res = ok(await change(u, "Basic")); // same tier, but the grace is not an active subscription
    expect(res).toMatchObject({ changed: true, usage: { quotaBytes: BASIC, subscription: { status: "active", graceEndsAt: null } } });
    expect((await subscriptions(u)).map((r) => [r.tier, r.status])).toEqual([["Basic", "expired"], ["Basic", "active"]]);
    await t.sql`UPDATE user_subscriptions SET grace_ends_at = now() - interval '1 day' WHERE user_id = ${u.id} AND status = 'expired'`;
    await expireGracePeriods(t.db);
    expect(await quotaOf(u)).toBe(BASIC);
  });

  test("changing to Free during the grace applies at once", async () => {
    const u = await user();
    ok(await change(u, "Pro"));
    ok(await mutate(u, "subscription.cancel"));
    expect(ok(await change(u, "Free"))).toMatchObject({ changed: true, usage: { quotaBytes: FREE, subscription: null } });
    expect((await subscriptions(u)).map((r) => r.status)).toEqual(["expired"]);
  });

  test.skipIf(!canRunConcurrently)("the job runs under the runner's lease", async () => {
    const deps = { database: t } as unknown as AppDeps;
    await t.sql`
      INSERT INTO job_schedule (name, every_ms, locked_by, locked_until)
      VALUES ('expire-grace-periods', 900000, 'another-process', now() + interval '1 minute')
      ON CONFLICT (name) DO UPDATE SET locked_by = EXCLUDED.locked_by, locked_until = EXCLUDED.locked_until`;
    expect(await runJobOnce(deps, expireGracePeriodsJob)).toBeNull(); // another process has it: skipped
    await t.sql`UPDATE job_schedule SET locked_by = NULL, locked_until = NULL WHERE name = 'expire-grace-periods'`;
    expect(await runJobOnce(deps, expireGracePeriodsJob)).toEqual({ expired: 0, reduced: 0, overQuota: 0 });
  });
});

describe("storage warnings", () => {
  test("80% and 95% once per crossing; falling below re-arms", async () => {
    const u = await user();
    const pct = (p: number) => Math.ceil((FREE * p) / 100);
    const titles = async () => (await systemNotifications(u)).map((n) => `${n.title}: ${n.content}`);

    await store(u, pct(79));
    await checkStorageWarnings(t.db, u.id);
    expect(await titles()).toEqual([]);

    await store(u, pct(2)); // 81%
    await checkStorageWarnings(t.db, u.id);
    await store(u, pct(3)); // 84%: still above 80, no second warning
    await checkStorageWarnings(t.db, u.id);
    await checkStorageWarnings(t.db, u.id);
    expect(await titles()).toEqual(["Storage Warning: You've used 81% of your storage."]);

    const big = await store(u, pct(12)); // 96%
    await checkStorageWarnings(t.db, u.id);
    await checkStorageWarnings(t.db, u.id);
    expect((await titles()).slice(1)).toEqual(["Storage Almost Full: You've used 96% of your storage. Upgrade to continue uploading."]);

    await t.sql`DELETE FROM post_media WHERE id = ${big}`; // back to 84%: 95 re-armed, 80 still warned
    await checkStorageWarnings(t.db, u.id);
    const [row] = await t.sql<{ w: number }[]>`SELECT warning_level AS w FROM storage_usage WHERE user_id = ${u.id}`;
    expect(row!.w).toBe(80);
    expect((await titles()).length).toBe(2);

    await t.sql`DELETE FROM post_media WHERE user_id = ${u.id}`; // 0%: everything re-armed
    await checkStorageWarnings(t.db, u.id);
    await store(u, pct(82));
    await checkStorageWarnings(t.db, u.id);
    await store(u, pct(14)); // 96%
    await checkStorageWarnings(t.db, u.id);
    expect((await titles()).map((x) => x.split(":")[0])).toEqual([
      "Storage Warning", "Storage Almost Full", "Storage Warning", "Storage Almost Full",
    ]);
    const [n] = await t.sql<{ url: string }[]>`SELECT action_url AS url FROM notifications WHERE user_id = ${u.id} LIMIT 1`;
    expect(n!.url).toBe("/settings/storage");
  });

  test("straight past 95% sends only the 95% warning; the notification is listed for the user", async () => {
    const u = await user();
    await store(u, Math.ceil(FREE * 0.97));
    await checkStorageWarnings(t.db, u.id);
    const list = ok(await query(u, "notification.list", { limit: 10 }));
    expect(list.items.map((n: any) => [n.type, n.title, n.actor])).toEqual([["system", "Storage Almost Full", null]]);
  });

  test.skipIf(!canRunConcurrently)("concurrent checks warn once", async () => {
    const u = await user();
    await store(u, Math.ceil(FREE * 0.9));
    await Promise.all(Array.from({ length: 8 }, () => checkStorageWarnings(t.db, u.id)));
    expect((await systemNotifications(u)).map((n) => n.title)).toEqual(["Storage Warning"]);
  });
});

describe("reconcile-storage", () => {
  test("fixes corrupted rows (also users without media) and reports the drift", async () => {
    await reconcileStorage(t.db); // whatever earlier tests left: now exact
    const a = await user();
    await store(a, 1000, "image");
    await store(a, 2000, "video");
    await store(a, 300, "document");
    const b = await user(); // no media
    const c = await user();
    await store(c, 500, "audio");
    await t.sql`UPDATE storage_usage SET used_bytes = 999999, images_bytes = 5 WHERE user_id = ${a.id}`;
    await t.sql`UPDATE storage_usage SET used_bytes = 12345, other_bytes = 12345 WHERE user_id = ${b.id}`;
    await t.sql`UPDATE storage_usage SET last_calculated_at = '2000-01-01T00:00:00Z'`;
    const [count] = await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM storage_usage`;
    const n = count!.n;

    expect(await reconcileStorage(t.db, { batch: 3 })).toEqual({ drifted: 2, users: n });

    const rows = await t.sql<{ user_id: string; used_bytes: string; images_bytes: string; videos_bytes: string; audio_bytes: string; other_bytes: string }[]>`
      SELECT user_id, used_bytes, images_bytes, videos_bytes, audio_bytes, other_bytes FROM storage_usage
      WHERE user_id IN ${t.sql([a.id, b.id, c.id])} ORDER BY user_id`;
    expect(rows.map((r) => [r.used_bytes, r.images_bytes, r.videos_bytes, r.audio_bytes, r.other_bytes].map(Number))).toEqual([
      [3300, 1000, 2000, 0, 300],
      [0, 0, 0, 0, 0],
      [500, 0, 0, 500, 0],
    ]);
    const [stale] = await t.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM storage_usage WHERE last_calculated_at < now() - interval '1 hour'`;
    expect(stale!.n).toBe(0);
    expect(await reconcileStorage(t.db)).toEqual({ drifted: 0, users: n });
  });

  test.skipIf(!canRunConcurrently)("runs as a job under the runner's lease", async () => {
    const report = await runJobOnce({ database: t } as unknown as AppDeps, reconcileStorageJob);
    expect(report).toMatchObject({ drifted: 0 });
  });
});

describe("concurrency", () => {
  test.skipIf(!canRunConcurrently)("concurrent changes for one user leave one active subscription and its tier's quota", async () => {
    const u = await user();
    const order = ["Basic", "Pro", "Premium", "Pro", "Basic", "Premium", "Pro", "Basic", "Premium", "Pro"];
    const results = await Promise.all(order.map((tier) => change(u, tier)));
    for (const r of results) expect(r.status).toBe(200);
    const active = await t.sql<{ tier: string; bytes: string }[]>`
      SELECT t.name AS tier, t.storage_bytes AS bytes FROM user_subscriptions us JOIN subscription_tiers t ON t.id = us.tier_id
      WHERE us.user_id = ${u.id} AND us.status = 'active'`;
    expect(active.length).toBe(1);
    expect(await quotaOf(u)).toBe(Number(active[0]!.bytes));
    expect((await usage(u)).tier.name).toBe(active[0]!.tier);
  });

  test.skipIf(!canRunConcurrently)("cancel racing a change: one consistent outcome", async () => {
    const u = await user();
    ok(await change(u, "Basic"));
    const [a, b] = await Promise.all([mutate(u, "subscription.cancel"), change(u, "Pro")]);
    const subs = await subscriptions(u);
    const current = subs.filter((r) => r.status === "active" || (r.status === "canceled" && r.grace));
    expect(current.length).toBe(1);
    // Whichever ran second saw the first's result: Pro active (cancel first) or Pro in grace (change first).
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(current[0]!.tier).toBe("Pro");
    expect(await quotaOf(u)).toBe(PRO);
  });
});
