// Storage quota accounting and subscriptions: 0002 (subscription_tiers), 0004 (storage_usage),
// 0016 (user_subscriptions), plus the foreign-key indexes of 0017, storage_usage.warning_level (0040)
// and user_subscriptions.grace_ends_at (0041). Mirror of the SQL migrations,
// kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  pgTable,
  smallint,
  text,
  varchar,
} from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { subscriptionStatus } from "./enums";
import { users } from "./users";

/** Reference data: the four tiers are seeded by 0003; new users' quota is the Free row's. */
export const subscriptionTiers = pgTable(
  "subscription_tiers",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    name: varchar("name", { length: 50 }).notNull().unique("subscription_tiers_name_key"),
    description: text("description"),
    storageBytes: bigint("storage_bytes", { mode: "number" }).notNull(),
    priceMonthlyCents: integer("price_monthly_cents").notNull(),
    isActive: boolean("is_active").notNull().default(true),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    check("subscription_tiers_storage_positive", sql`${t.storageBytes} > 0`),
    check("subscription_tiers_price_positive", sql`${t.priceMonthlyCents} >= 0`),
  ],
);

/** One row per user (created by the bootstrap trigger, 0005), kept by the post_media triggers. */
export const storageUsage = pgTable(
  "storage_usage",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .unique("storage_usage_user_id_key")
      .references(() => users.id, { onDelete: "cascade" }),
    usedBytes: bigint("used_bytes", { mode: "number" }).notNull().default(0),
    quotaBytes: bigint("quota_bytes", { mode: "number" }).notNull().default(52428800),
    imagesBytes: bigint("images_bytes", { mode: "number" }).notNull().default(0),
    videosBytes: bigint("videos_bytes", { mode: "number" }).notNull().default(0),
    audioBytes: bigint("audio_bytes", { mode: "number" }).notNull().default(0),
    otherBytes: bigint("other_bytes", { mode: "number" }).notNull().default(0),
    lastCalculatedAt: tstz("last_calculated_at").notNull().defaultNow(),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    /** 0040: the last storage warning sent (0, 80 or 95); see checkStorageWarnings. */
    warningLevel: smallint("warning_level").notNull().default(0),
  },
  (t) => [
    check("storage_usage_positive", sql`${t.usedBytes} >= 0`),
    check("storage_usage_quota_positive", sql`${t.quotaBytes} > 0`),
    check("storage_usage_warning_level_valid", sql`${t.warningLevel} IN (0, 80, 95)`), // 0040
  ],
);

export const userSubscriptions = pgTable(
  "user_subscriptions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // No ON DELETE in the SQL: a tier in use cannot be deleted.
    tierId: bigint("tier_id", { mode: "number" })
      .notNull()
      .references(() => subscriptionTiers.id),
    status: subscriptionStatus("status").notNull().default("active"),
    stripeSubscriptionId: varchar("stripe_subscription_id", { length: 255 }),
    stripeCustomerId: varchar("stripe_customer_id", { length: 255 }),
    currentPeriodStart: tstz("current_period_start").notNull(),
    currentPeriodEnd: tstz("current_period_end").notNull(),
    canceledAt: tstz("canceled_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
    updatedAt: tstz("updated_at").notNull().defaultNow(),
    /** 0041: end of the 30-day grace after subscription.cancel (the quota is kept until then). */
    graceEndsAt: tstz("grace_ends_at"),
  },
  (t) => [
    check("user_subscriptions_period_valid", sql`${t.currentPeriodEnd} >= ${t.currentPeriodStart}`),
    check("user_subscriptions_grace_only_when_canceled", sql`${t.graceEndsAt} IS NULL OR ${t.status} IN ('canceled', 'expired')`), // 0041
    index("user_subscriptions_user_idx").on(t.userId, t.createdAt.desc()), // 0017
    index("user_subscriptions_tier_idx").on(t.tierId), // 0017
    index("user_subscriptions_grace_due_idx") // 0041
      .on(t.graceEndsAt)
      .where(sql`${t.status} = 'canceled' AND ${t.graceEndsAt} IS NOT NULL`),
  ],
);
