// Storage quota and subscriptions.
//  - getUsage: one statement, single-row lookups only (storage_usage's unique index, the
//    upload_reservations_user_held_idx partial index, the newest current subscription).
//  - changeSubscription / cancelSubscription: one transaction each, serialized per user by
//    storage_usage FOR UPDATE (the same lock media.createUpload takes), so concurrent changes leave
//    exactly one active subscription and a quota equal to its tier.
//  - checkStorageWarnings: "Storage Warning" at 80%, "Storage Almost Full" at 95%, once per
//    crossing (storage_usage.warning_level, compare-and-set).
//  - expireGracePeriods: the job that ends 30-day graces and returns users to the Free quota.
// The Free tier is the subscription_tiers row named 'Free' (as in the user bootstrap trigger): it
// is the absence of a paid subscription, so no user_subscriptions row is ever made for it.
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { anyBigint, iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { billingProvider, type BillingProvider } from "./billing";

export const FREE_TIER_NAME = "Free";
export const GRACE_DAYS = 30;
const STORAGE_SETTINGS_URL = "/settings/storage";

export const QUOTA_REDUCED_TITLE = "Storage Quota Reduced";
export const QUOTA_REDUCED_CONTENT = "You are over your storage limit. Please delete some files or upgrade to upload new content.";

// ---------------------------------------------------------------------------------------------
// storage.usage

interface UsageRow {
  used_bytes: string;
  quota_bytes: string;
  images_bytes: string;
  videos_bytes: string;
  audio_bytes: string;
  other_bytes: string;
  reserved_bytes: string;
  sub_status: "active" | "canceled" | null;
  current_period_end: string | null;
  grace_ends_at: string | null;
  tier_id: string | null;
  tier_name: string | null;
}

/**
 * The user's usage in one statement. "Current" subscription = the newest row that is active, or
 * canceled and still in its grace (its quota still applies). Reserved = quota held by uploads:
 * pending ones until they expire, confirmed-but-unattached ones until post.create attaches them.
 */
function usageQuery(userId: string): SQL {
  return sql`
    SELECT s.used_bytes, s.quota_bytes, s.images_bytes, s.videos_bytes, s.audio_bytes, s.other_bytes,
      (SELECT COALESCE(sum(r.size_bytes), 0) FROM upload_reservations r
        WHERE r.user_id = ${userId} AND r.status IN ('pending', 'confirmed')
          AND (r.status = 'confirmed' OR r.expires_at > NOW())) AS reserved_bytes,
      cur.status AS sub_status, cur.current_period_end, cur.grace_ends_at,
      t.id AS tier_id, t.name AS tier_name
    FROM storage_usage s
    LEFT JOIN LATERAL (
      SELECT us.tier_id, us.status, us.current_period_end, us.grace_ends_at
      FROM user_subscriptions us
      WHERE us.user_id = s.user_id
        AND (us.status = 'active' OR (us.status = 'canceled' AND us.grace_ends_at IS NOT NULL))
      ORDER BY us.created_at DESC, us.id DESC
      LIMIT 1) cur ON TRUE
    LEFT JOIN subscription_tiers t
      ON t.id = COALESCE(cur.tier_id, (SELECT f.id FROM subscription_tiers f WHERE f.name = ${FREE_TIER_NAME}))
    WHERE s.user_id = ${userId}`;
}

function usageView(r: UsageRow) {
  const used = Number(r.used_bytes);
  const quota = Number(r.quota_bytes);
  const reserved = Number(r.reserved_bytes);
  return {
    usedBytes: used,
    quotaBytes: quota,
    availableBytes: Math.max(quota - used - reserved, 0),
    reservedBytes: reserved,
    /** used / quota in percent, two decimals (the spec's ROUND(100.0 * used / quota, 2)); may exceed 100. */
    percentUsed: quota > 0 ? Math.round((used / quota) * 10_000) / 100 : 0,
    breakdown: {
      images: Number(r.images_bytes),
      videos: Number(r.videos_bytes),
      audio: Number(r.audio_bytes),
      other: Number(r.other_bytes),
    },
    tier: { id: r.tier_id, name: r.tier_name ?? FREE_TIER_NAME },
    subscription: r.sub_status
      ? { status: r.sub_status, currentPeriodEnd: iso(r.current_period_end)!, graceEndsAt: iso(r.grace_ends_at) }
      : null,
    overQuota: used > quota,
  };
}
export type UsageView = ReturnType<typeof usageView>;

export async function getUsage(db: DbOrTx, userId: string): Promise<UsageView> {
  const row = await one<UsageRow>(db, usageQuery(userId));
  if (!row) throw new AppError("NOT_FOUND", "Storage account not found");
  return usageView(row);
}

// ---------------------------------------------------------------------------------------------
// storage.tiers

export async function listTiers(db: DbOrTx) {
  const rows = await many<{ id: string; name: string; description: string | null; storage_bytes: string; price_monthly_cents: number }>(db, sql`
    SELECT id, name, description, storage_bytes, price_monthly_cents
    FROM subscription_tiers WHERE is_active ORDER BY storage_bytes, id`);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    storageBytes: Number(r.storage_bytes),
    priceMonthlyCents: r.price_monthly_cents,
  }));
}

// ---------------------------------------------------------------------------------------------
// warnings

/** The warning level a row's usage is at: 95, 80 or 0 (columns of storage_usage, unqualified). */
const LEVEL = sql`(CASE WHEN used_bytes * 100 >= quota_bytes * 95 THEN 95 WHEN used_bytes * 100 >= quota_bytes * 80 THEN 80 ELSE 0 END)`;


/**
 * Set-based warnings for some users. Lowering (usage fell below a line) is silent; raising is a
 * compare-and-set (`WHERE warning_level < level`) whose RETURNING feeds the notification insert in
 * the same statement, so concurrent checks notify once per crossing.
 */
async function applyStorageWarnings(db: DbOrTx, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const ids = anyBigint(userIds);
  await db.execute(sql`UPDATE storage_usage SET warning_level = ${LEVEL} WHERE user_id = ${ids} AND warning_level > ${LEVEL}`);
  const raised = await many<{ id: string }>(db, sql`
    WITH raised AS (
      UPDATE storage_usage SET warning_level = ${LEVEL}
      WHERE user_id = ${ids} AND warning_level < ${LEVEL}
      RETURNING user_id, warning_level, used_bytes, quota_bytes)
    INSERT INTO notifications (user_id, type, title, content, action_url)
    SELECT user_id, 'system',
           CASE WHEN warning_level = 95 THEN 'Storage Almost Full' ELSE 'Storage Warning' END,
           'You''ve used ' || (used_bytes * 100 / quota_bytes)::text || '% of your storage.'
             || CASE WHEN warning_level = 95 THEN ' Upgrade to continue uploading.' ELSE '' END,
           ${STORAGE_SETTINGS_URL}
    FROM raised
    RETURNING id`);
  return raised.length;
}

/**
 * Sends "Storage Warning" when usage (used_bytes / quota_bytes) crosses 80% and "Storage Almost
 * Full" at 95%, once per crossing; falling below a line re-arms it. Call after anything that moves
 * used_bytes or quota_bytes (media attach/delete, subscription changes).
 */
export async function checkStorageWarnings(db: DbOrTx, userId: string): Promise<void> {
  await applyStorageWarnings(db, [userId]);
}

/**
 * After a quota reduction: users now over quota get "Storage Quota Reduced" (nothing is deleted;
 * uploads are refused by the quota check). That message says more than the 95% warning, so their
 * warning level is set to 95 silently. Returns how many were notified.
 */
async function notifyOverQuota(db: DbOrTx, userIds: string[]): Promise<number> {
  if (userIds.length === 0) return 0;
  const rows = await many<{ id: string }>(db, sql`
    WITH over AS (
      UPDATE storage_usage SET warning_level = 95
      WHERE user_id = ${anyBigint(userIds)} AND used_bytes > quota_bytes
      RETURNING user_id)
    INSERT INTO notifications (user_id, type, title, content, action_url)
    SELECT user_id, 'system', ${QUOTA_REDUCED_TITLE}, ${QUOTA_REDUCED_CONTENT}, ${STORAGE_SETTINGS_URL} FROM over
    RETURNING id`);
  return rows.length;
}

// ---------------------------------------------------------------------------------------------
// subscription.change / subscription.cancel

interface TierRow {
  id: string;
  name: string;
  storage_bytes: string;
  price_monthly_cents: number;
}

interface SubscriptionRow {
  id: string;
  tier_id: string;
  status: "active" | "canceled";
  stripe_subscription_id: string | null;
  stripe_customer_id: string | null;
}

const subscriptionRef = (s: SubscriptionRow) => ({
  id: s.id,
  providerSubscriptionId: s.stripe_subscription_id,
  providerCustomerId: s.stripe_customer_id,
});

/** Locks the user's storage_usage row: every quota or subscription write for a user goes through it. */
async function lockUsage(tx: DbOrTx, userId: string): Promise<{ used: number; quota: number }> {
  const row = await one<{ used_bytes: string; quota_bytes: string }>(tx, sql`
    SELECT used_bytes, quota_bytes FROM storage_usage WHERE user_id = ${userId} FOR UPDATE`);
  if (!row) throw new AppError("NOT_FOUND", "Storage account not found");
  return { used: Number(row.used_bytes), quota: Number(row.quota_bytes) };
}

export interface SubscriptionResult {
  /** False when the caller already had this tier (nothing was written). */
  changed: boolean;
  usage: UsageView;
}

/**
 * Upgrade or downgrade, effective at once: the active subscription (if any) is canceled, a running
 * grace is ended, a new active subscription is created (none for Free) and the quota becomes the
 * tier's. A downgrade below usage deletes nothing; the user is notified and uploads are refused.
 */
export async function changeSubscription(
  db: Db,
  userId: string,
  tierId: string,
  billing: BillingProvider = billingProvider,
): Promise<SubscriptionResult> {
  return transaction(db, async (tx) => {
    const before = await lockUsage(tx, userId);
    const tier = await one<TierRow>(tx, sql`
      SELECT id, name, storage_bytes, price_monthly_cents FROM subscription_tiers WHERE id = ${tierId} AND is_active`);
    if (!tier) throw new AppError("NOT_FOUND", "Subscription tier not found", { appCode: "TIER_NOT_FOUND" });
    const isFree = tier.name === FREE_TIER_NAME;

    const current = await many<SubscriptionRow>(tx, sql`
      SELECT id, tier_id, status, stripe_subscription_id, stripe_customer_id FROM user_subscriptions
      WHERE user_id = ${userId} AND (status = 'active' OR (status = 'canceled' AND grace_ends_at IS NOT NULL))
      ORDER BY created_at DESC, id DESC FOR UPDATE`);
    const active = current.filter((s) => s.status === "active");
    const inGrace = current.filter((s) => s.status === "canceled");
    const unchanged = active.length > 0
      ? active.length === 1 && active[0]!.tier_id === tier.id && inGrace.length === 0
      : isFree && inGrace.length === 0;
    if (unchanged) return { changed: false, usage: await getUsage(tx, userId) };

    for (const s of active) await billing.cancelSubscription({ id: userId }, subscriptionRef(s));
    if (active.length > 0) {
      await tx.execute(sql`
        UPDATE user_subscriptions SET status = 'canceled', canceled_at = NOW() WHERE user_id = ${userId} AND status = 'active'`);
    }
    if (inGrace.length > 0) {
      // A new choice supersedes the grace: the quota is the new tier's from now on.
      await tx.execute(sql`
        UPDATE user_subscriptions SET status = 'expired', grace_ends_at = LEAST(grace_ends_at, NOW())
        WHERE user_id = ${userId} AND status = 'canceled' AND grace_ends_at IS NOT NULL`);
    }
    if (!isFree) {
      const provider = await billing.startSubscription(
        { id: userId },
        { id: tier.id, name: tier.name, priceMonthlyCents: tier.price_monthly_cents },
      );
      await tx.execute(sql`
        INSERT INTO user_subscriptions (user_id, tier_id, status, stripe_subscription_id, stripe_customer_id,
                                        current_period_start, current_period_end)
        VALUES (${userId}, ${tier.id}, 'active', ${provider.providerSubscriptionId}, ${provider.providerCustomerId},
                NOW(), NOW() + INTERVAL '1 month')`);
    }
    const quota = Number(tier.storage_bytes);
    await tx.execute(sql`UPDATE storage_usage SET quota_bytes = ${quota} WHERE user_id = ${userId}`);
    if (quota < before.quota) await notifyOverQuota(tx, [userId]);
    await checkStorageWarnings(tx, userId);
    return { changed: true, usage: await getUsage(tx, userId) };
  });
}

/**
 * Cancels the active paid subscription: status 'canceled', canceled_at now, and the quota is kept
 * until grace_ends_at = the later of the paid period's end and now + 30 days. The
 * expire-grace-periods job then returns the user to the Free quota.
 */
export async function cancelSubscription(db: Db, userId: string, billing: BillingProvider = billingProvider): Promise<SubscriptionResult> {
  return transaction(db, async (tx) => {
    await lockUsage(tx, userId);
    const active = await many<SubscriptionRow>(tx, sql`
      SELECT us.id, us.tier_id, us.status, us.stripe_subscription_id, us.stripe_customer_id
      FROM user_subscriptions us JOIN subscription_tiers t ON t.id = us.tier_id
      WHERE us.user_id = ${userId} AND us.status = 'active' AND t.name <> ${FREE_TIER_NAME}
      ORDER BY us.created_at DESC, us.id DESC FOR UPDATE OF us`);
    if (active.length === 0) {
      throw new AppError("BAD_REQUEST", "You have no active paid subscription", { appCode: "NO_ACTIVE_SUBSCRIPTION" });
    }
    for (const s of active) await billing.cancelSubscription({ id: userId }, subscriptionRef(s));
    await tx.execute(sql`
      UPDATE user_subscriptions
      SET status = 'canceled', canceled_at = NOW(),
          grace_ends_at = GREATEST(current_period_end, NOW() + make_interval(days => ${GRACE_DAYS}))
      WHERE id = ${anyBigint(active.map((s) => s.id))}`);
    return { changed: true, usage: await getUsage(tx, userId) };
  });
}

// ---------------------------------------------------------------------------------------------
// expire-grace-periods (job)

/**
 * Ends every grace that is over: the subscription becomes 'expired' and the user's quota the Free
 * tier's (unless they hold another current subscription), with "Storage Quota Reduced" for those
 * now over quota. Set-based, in batches; each batch locks its users' storage_usage rows first
 * (SKIP LOCKED: a user busy in subscription.change is picked up on the next run), the same lock
 * order as changeSubscription, so the two never deadlock or interleave.
 */
export async function expireGracePeriods(db: Db, opts: { batch?: number } = {}): Promise<{ expired: number; reduced: number; overQuota: number }> {
  const batch = opts.batch ?? 500;
  const total = { expired: 0, reduced: 0, overQuota: 0 };
  for (;;) {
    const done = await transaction(db, async (tx) => {
      const users = await many<{ user_id: string }>(tx, sql`
        SELECT su.user_id FROM storage_usage su
        WHERE su.user_id IN (SELECT us.user_id FROM user_subscriptions us
                             WHERE us.status = 'canceled' AND us.grace_ends_at IS NOT NULL AND us.grace_ends_at <= NOW())
        ORDER BY su.user_id LIMIT ${batch}
        FOR UPDATE OF su SKIP LOCKED`);
      if (users.length === 0) return { locked: 0, expired: 0, reduced: 0, overQuota: 0 };
      const ids = anyBigint(users.map((u) => u.user_id));
      const expired = await many<{ id: string }>(tx, sql`
        UPDATE user_subscriptions SET status = 'expired'
        WHERE user_id = ${ids} AND status = 'canceled' AND grace_ends_at IS NOT NULL AND grace_ends_at <= NOW()
        RETURNING id`);
      const reduced = await many<{ user_id: string }>(tx, sql`
        UPDATE storage_usage su SET quota_bytes = f.storage_bytes
        FROM subscription_tiers f
        WHERE f.name = ${FREE_TIER_NAME} AND su.user_id = ${ids} AND su.quota_bytes <> f.storage_bytes
          AND NOT EXISTS (SELECT 1 FROM user_subscriptions o WHERE o.user_id = su.user_id
                          AND (o.status = 'active' OR (o.status = 'canceled' AND o.grace_ends_at > NOW())))
        RETURNING su.user_id`);
      const reducedIds = reduced.map((r) => r.user_id);
      const overQuota = await notifyOverQuota(tx, reducedIds);
      await applyStorageWarnings(tx, reducedIds);
      return { locked: users.length, expired: expired.length, reduced: reducedIds.length, overQuota };
    });
    total.expired += done.expired;
    total.reduced += done.reduced;
    total.overQuota += done.overQuota;
    if (done.locked < batch) return total;
  }
}
