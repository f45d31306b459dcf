// Moderation (issue 18): 0065 (reports), 0066–0067 (moderation_actions, the append-only audit log:
// no foreign keys, on purpose — see the migration), 0068 (moderation_removals). users.role is in
// users.ts. Mirror of the SQL migrations, kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, jsonb, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { messages } from "./messaging";
import { posts } from "./posts";
import { comments } from "./social";
import { users } from "./users";

export const reports = pgTable(
  "reports",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    reporterId: bigint("reporter_id", { mode: "number" }).notNull().references(() => users.id, { onDelete: "cascade" }),
    /** 'post' | 'comment' | 'message' | 'account'. */
    targetType: varchar("target_type", { length: 20 }).notNull(),
    /** The account concerned: the content's author, or the reported account itself. */
    targetUserId: bigint("target_user_id", { mode: "number" }).notNull().references(() => users.id, { onDelete: "cascade" }),
    postId: bigint("post_id", { mode: "number" }).references(() => posts.id, { onDelete: "cascade" }),
    commentId: bigint("comment_id", { mode: "number" }).references(() => comments.id, { onDelete: "cascade" }),
    messageId: bigint("message_id", { mode: "number" }).references(() => messages.id, { onDelete: "cascade" }),
    category: varchar("category", { length: 30 }).notNull(),
    description: text("description").notNull(),
    status: varchar("status", { length: 20 }).notNull().default("open"),
    resolutionNote: text("resolution_note"),
    /** SET NULL: a moderator's account going keeps the reports they handled. */
    resolvedBy: bigint("resolved_by", { mode: "number" }).references(() => users.id, { onDelete: "set null" }),
    resolvedAt: tstz("resolved_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("reports_target_matches", sql`(${t.targetType} = 'post' AND ${t.postId} IS NOT NULL AND ${t.commentId} IS NULL AND ${t.messageId} IS NULL)
      OR (${t.targetType} = 'comment' AND ${t.commentId} IS NOT NULL AND ${t.postId} IS NULL AND ${t.messageId} IS NULL)
      OR (${t.targetType} = 'message' AND ${t.messageId} IS NOT NULL AND ${t.postId} IS NULL AND ${t.commentId} IS NULL)
      OR (${t.targetType} = 'account' AND ${t.postId} IS NULL AND ${t.commentId} IS NULL AND ${t.messageId} IS NULL)`),
    check("reports_category_valid", sql`${t.category} IN ('spam', 'harassment', 'hate', 'violence', 'sexual', 'self_harm', 'misinformation', 'impersonation', 'illegal', 'other')`),
    check("reports_description_valid", sql`${t.description} ~ '[^[:space:]]' AND char_length(${t.description}) <= 2000`),
    check("reports_status_valid", sql`${t.status} IN ('open', 'resolved', 'dismissed')`),
    check("reports_resolution_consistent", sql`(${t.status} = 'open' AND ${t.resolvedAt} IS NULL AND ${t.resolvedBy} IS NULL AND ${t.resolutionNote} IS NULL)
      OR (${t.status} <> 'open' AND ${t.resolvedAt} IS NOT NULL)`),
    check("reports_note_length", sql`${t.resolutionNote} IS NULL OR char_length(${t.resolutionNote}) <= 2000`),
    check("reports_no_self", sql`${t.reporterId} <> ${t.targetUserId}`),
    uniqueIndex("reports_one_open_per_target")
      .on(t.reporterId, t.targetType, sql`(COALESCE(${t.postId}, ${t.commentId}, ${t.messageId}, ${t.targetUserId}))`)
      .where(sql`${t.status} = 'open'`),
    index("reports_queue_idx").on(t.status, t.id),
    index("reports_reporter_idx").on(t.reporterId),
    index("reports_target_user_idx").on(t.targetUserId),
    index("reports_post_idx").on(t.postId).where(sql`${t.postId} IS NOT NULL`),
    index("reports_comment_idx").on(t.commentId).where(sql`${t.commentId} IS NOT NULL`),
    index("reports_message_idx").on(t.messageId).where(sql`${t.messageId} IS NOT NULL`),
    index("reports_resolved_by_idx").on(t.resolvedBy).where(sql`${t.resolvedBy} IS NOT NULL`),
  ],
);

/** The audit log: append-only (a trigger refuses UPDATE, DELETE and TRUNCATE, 0067). */
export const moderationActions = pgTable(
  "moderation_actions",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /** NULL only for role.set by the operator's CLI. */
    moderatorId: bigint("moderator_id", { mode: "number" }),
    action: varchar("action", { length: 30 }).notNull(),
    targetType: varchar("target_type", { length: 20 }).notNull(),
    targetId: bigint("target_id", { mode: "number" }).notNull(),
    targetUserId: bigint("target_user_id", { mode: "number" }),
    reason: text("reason"),
    details: jsonb("details").notNull().default({}),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("moderation_actions_action_valid", sql`${t.action} IN ('report.resolve', 'report.dismiss', 'account.suspend', 'account.unsuspend',
      'post.remove', 'post.restore', 'comment.remove', 'comment.restore', 'role.set')`),
    check("moderation_actions_target_matches", sql`${t.targetType} = CASE WHEN ${t.action} = 'role.set' THEN 'account' ELSE split_part(${t.action}, '.', 1) END`),
    check("moderation_actions_reason_valid", sql`(${t.reason} IS NULL OR char_length(${t.reason}) <= 1000)
      AND (${t.action} NOT IN ('account.suspend', 'post.remove', 'comment.remove') OR (${t.reason} IS NOT NULL AND ${t.reason} ~ '[^[:space:]]'))`),
    check("moderation_actions_moderator_required", sql`${t.moderatorId} IS NOT NULL OR ${t.action} = 'role.set'`),
    index("moderation_actions_target_user_idx").on(t.targetUserId, t.id.desc()).where(sql`${t.targetUserId} IS NOT NULL`),
    index("moderation_actions_moderator_idx").on(t.moderatorId, t.id.desc()).where(sql`${t.moderatorId} IS NOT NULL`),
    index("moderation_actions_target_idx").on(t.targetType, t.targetId),
  ],
);

/** Posts and comments a moderator removed: restorable by moderators only, never purged (0068). */
export const moderationRemovals = pgTable(
  "moderation_removals",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    postId: bigint("post_id", { mode: "number" }).unique("moderation_removals_post_id_key").references(() => posts.id, { onDelete: "cascade" }),
    commentId: bigint("comment_id", { mode: "number" }).unique("moderation_removals_comment_id_key").references(() => comments.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    /** The author's own earlier deletion, put back by a restore. */
    previousDeletedAt: tstz("previous_deleted_at"),
    createdAt: tstz("created_at").notNull().defaultNow(),
  },
  (t) => [
    check("moderation_removals_one_target", sql`num_nonnulls(${t.postId}, ${t.commentId}) = 1`),
    check("moderation_removals_reason_valid", sql`${t.reason} ~ '[^[:space:]]' AND char_length(${t.reason}) <= 1000`),
  ],
);
