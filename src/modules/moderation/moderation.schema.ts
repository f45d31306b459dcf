// Inputs of report.* and moderation.*, and the vocabularies the migrations' CHECKs also hold
// (drizzle/0064–0068): change one, change the other.
import { z } from "zod";
import { idSchema, paginationShape } from "../../lib/pagination";

export const ROLES = ["user", "moderator", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const REPORT_TARGET_TYPES = ["post", "comment", "message", "account"] as const;
export type ReportTargetType = (typeof REPORT_TARGET_TYPES)[number];

/** Why something is reported: the usual platform categories, and `other` for the rest. */
export const REPORT_CATEGORIES = [
  "spam", "harassment", "hate", "violence", "sexual", "self_harm", "misinformation", "impersonation", "illegal", "other",
] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export const REPORT_STATUSES = ["open", "resolved", "dismissed"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

export const MODERATION_ACTIONS = [
  "report.resolve", "report.dismiss", "account.suspend", "account.unsuspend",
  "post.remove", "post.restore", "comment.remove", "comment.restore", "role.set",
] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

export const DESCRIPTION_MAX = 2_000;
export const NOTE_MAX = 2_000;
export const REASON_MAX = 1_000;

const reason = z.string().trim().min(1, "A reason is required").max(REASON_MAX);
const note = z.string().trim().min(1).max(NOTE_MAX);

export const createReportInput = z
  .object({
    targetType: z.enum(REPORT_TARGET_TYPES),
    /** The post, comment, message or account (user id) reported. */
    targetId: idSchema,
    category: z.enum(REPORT_CATEGORIES),
    description: z.string().trim().min(1, "Say what is wrong").max(DESCRIPTION_MAX),
  })
  .strict();

export const listReportsInput = z
  .object({
    status: z.enum(REPORT_STATUSES).default("open"),
    targetType: z.enum(REPORT_TARGET_TYPES).optional(),
    ...paginationShape,
  })
  .strict()
  .prefault({});

export const resolveReportInput = z
  .object({
    reportId: idSchema,
    /** `resolved`: a violation, dealt with (the action itself is its own call); `dismissed`: none found. */
    outcome: z.enum(["resolved", "dismissed"]),
    /** For moderators only: never shown to the reporter. */
    note: note.optional(),
  })
  .strict();

export const suspendInput = z.object({ userId: idSchema, reason }).strict();
export const unsuspendInput = z.object({ userId: idSchema, reason: reason.optional() }).strict();
export const removePostInput = z.object({ postId: idSchema, reason }).strict();
export const restorePostInput = z.object({ postId: idSchema, reason: reason.optional() }).strict();
export const removeCommentInput = z.object({ commentId: idSchema, reason }).strict();
export const restoreCommentInput = z.object({ commentId: idSchema, reason: reason.optional() }).strict();

export const listActionsInput = z
  .object({
    /** Only what was done to this account (its suspensions, its content, reports about it). */
    targetUserId: idSchema.optional(),
    /** Only what this moderator did. */
    moderatorId: idSchema.optional(),
    ...paginationShape,
  })
  .strict()
  .prefault({});
