// What report.* and moderation.* answer.
import { z } from "zod";
import { outDate, outId, pageOf, userRefSchema } from "../common/common.output";
import { MODERATION_ACTIONS, REPORT_CATEGORIES, REPORT_STATUSES, REPORT_TARGET_TYPES } from "./moderation.schema";

/** What the reporter gets back: their report as filed (reporters never see the queue). */
export const filedReportSchema = z.object({
  id: outId,
  targetType: z.enum(REPORT_TARGET_TYPES),
  targetId: outId,
  category: z.enum(REPORT_CATEGORIES),
  status: z.enum(REPORT_STATUSES),
  createdAt: outDate,
});

/** A report as moderators see it, with the reported content (whatever its visibility). */
export const reportSchema = z.object({
  id: outId,
  targetType: z.enum(REPORT_TARGET_TYPES),
  targetId: outId,
  category: z.enum(REPORT_CATEGORIES),
  description: z.string(),
  status: z.enum(REPORT_STATUSES),
  reporter: userRefSchema,
  /** The account concerned: the content's author, or the reported account. */
  targetUser: userRefSchema.extend({ status: z.string(), role: z.string() }),
  target: z.object({
    /** The reported text (post title and content, comment, message); null for an account or media without text. */
    content: z.string().nullable(),
    /** The post a comment belongs to, the conversation of a message; null otherwise. */
    parentId: outId.nullable(),
    /** Soft-deleted (by its author or a moderator), or the account is no longer active. */
    deleted: z.boolean(),
    /** Removed by a moderator (restorable with moderation.restorePost / restoreComment). */
    removedByModerator: z.boolean(),
  }),
  /** Open reports about the same target, this one included (how many people flagged it). */
  openReportsOnTarget: z.number().int(),
  resolution: z
    .object({ note: z.string().nullable(), by: userRefSchema.nullable(), at: outDate })
    .nullable(),
  createdAt: outDate,
});
export const reportPageSchema = pageOf(reportSchema);

export const accountStatusResultSchema = z.object({
  user: userRefSchema,
  status: z.enum(["active", "suspended"]),
  previousStatus: z.string(),
});

export const removalResultSchema = z.object({
  targetType: z.enum(["post", "comment"]),
  targetId: outId,
  removed: z.boolean(),
});

export const actionSchema = z.object({
  id: outId,
  action: z.enum(MODERATION_ACTIONS),
  /** null: the operator's CLI (role changes). */
  moderator: userRefSchema.nullable(),
  targetType: z.enum(["report", "account", "post", "comment"]),
  targetId: outId,
  /** null when the account no longer exists (the log keeps its id in targetUserId). */
  targetUser: userRefSchema.nullable(),
  targetUserId: outId.nullable(),
  reason: z.string().nullable(),
  details: z.record(z.string(), z.string().nullable()),
  createdAt: outDate,
});
export const actionPageSchema = pageOf(actionSchema);
