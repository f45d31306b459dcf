// report.create: anyone signed in reports a post, comment, message or account they can see. What
// the reporter cannot see they cannot report: NOT_FOUND, exactly as for an item that does not exist
// (so a report never confirms that a hidden post, a blocked account or someone else's conversation
// exists). Rate limited per reporter (REPORTS_PER_HOUR), counted before anything is looked up.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { iso, one } from "../../db/query";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import type { RateLimits } from "../../lib/rate-limit";
import { resolveProfile } from "../user/user.service";
import { requireVisiblePost } from "../visibility/post-visibility";
import { accountVisibleSql } from "../visibility/visibility";
import type { ReportCategory, ReportStatus, ReportTargetType } from "./moderation.schema";

interface ReportTarget {
  /** The account concerned: the author, the sender, or the account itself. */
  userId: string;
  postId: string | null;
  commentId: string | null;
  messageId: string | null;
}

const notFound = (type: ReportTargetType) =>
  new AppError("NOT_FOUND", `${type === "account" ? "User" : type[0]!.toUpperCase() + type.slice(1)} not found`);

/** The target as the reporter may see it, or NOT_FOUND. */
async function visibleTarget(db: DbOrTx, cache: Cache, reporterId: string, type: ReportTargetType, id: string): Promise<ReportTarget> {
  const none = { postId: null, commentId: null, messageId: null };
  switch (type) {
    case "post": {
      const post = await requireVisiblePost(db, reporterId, id);
      return { ...none, userId: post.user_id, postId: post.id };
    }
    case "comment": {
      // The comment's own rule (live, author visible), then its post's (comment.service.ts does the same).
      const row = await one<{ id: string; post_id: string; user_id: string }>(db, sql`
        SELECT c.id, c.post_id, c.user_id FROM comments c JOIN users u ON u.id = c.user_id
        WHERE c.id = ${id} AND c.deleted_at IS NULL AND ${accountVisibleSql(sql`c.user_id`, sql`u.status`, reporterId)}`);
      if (!row) throw notFound(type);
      // The same answer as for a missing comment, not the post's "Post not found".
      await requireVisiblePost(db, reporterId, row.post_id).catch((error: unknown) => {
        throw error instanceof AppError && error.code === "NOT_FOUND" ? notFound(type) : error;
      });
      return { ...none, userId: row.user_id, commentId: row.id };
    }
    case "message": {
      // Only a participant reads a conversation; a deleted message has no content left to judge,
      // and messages of senders hidden from the reader (a block) are not in what they read.
      const row = await one<{ id: string; sender_id: string }>(db, sql`
        SELECT m.id, m.sender_id FROM messages m JOIN users u ON u.id = m.sender_id
        WHERE m.id = ${id} AND m.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM conversation_participants cp WHERE cp.conversation_id = m.conversation_id AND cp.user_id = ${reporterId})
          AND (m.sender_id = ${reporterId} OR (${accountVisibleSql(sql`m.sender_id`, sql`u.status`, reporterId)}))`);
      if (!row) throw notFound(type);
      return { ...none, userId: row.sender_id, messageId: row.id };
    }
    case "account": {
      // Whoever can find the account can report it, even when its content is hidden from them
      // (the limited view of user.get): impersonation is visible in the name alone.
      const user = await one<{ username: string }>(db, sql`SELECT username FROM users WHERE id = ${id}`);
      if (!user) throw notFound(type);
      const profile = await resolveProfile(db, cache, reporterId, user.username);
      return { ...none, userId: profile.id };
    }
  }
}

export interface FiledReport {
  id: string;
  targetType: ReportTargetType;
  targetId: string;
  category: ReportCategory;
  status: ReportStatus;
  createdAt: string;
}

/**
 * Files a report, or returns the reporter's open report of the same target (one open report per
 * reporter and target: drizzle/0065 reports_one_open_per_target).
 */
export async function createReport(
  deps: { db: DbOrTx; cache: Cache; rateLimits: RateLimits },
  reporterId: string,
  input: { targetType: ReportTargetType; targetId: string; category: ReportCategory; description: string },
): Promise<FiledReport> {
  await deps.rateLimits.consume("reportsByUser", reporterId);
  const target = await visibleTarget(deps.db, deps.cache, reporterId, input.targetType, input.targetId);
  if (target.userId === reporterId) {
    throw new AppError("BAD_REQUEST", "You cannot report yourself or your own content", { appCode: "SELF_TARGET", field: "targetId" });
  }
  const columns = sql`id, target_type, COALESCE(post_id, comment_id, message_id, target_user_id) AS target_id, category, status, created_at`;
  const inserted = await one<ReportRow>(deps.db, sql`
    INSERT INTO reports (reporter_id, target_type, target_user_id, post_id, comment_id, message_id, category, description)
    VALUES (${reporterId}, ${input.targetType}, ${target.userId}, ${target.postId}, ${target.commentId}, ${target.messageId},
            ${input.category}, ${input.description})
    ON CONFLICT (reporter_id, target_type, (COALESCE(post_id, comment_id, message_id, target_user_id))) WHERE status = 'open'
    DO NOTHING
    RETURNING ${columns}`);
  const row = inserted ?? (await one<ReportRow>(deps.db, sql`
    SELECT ${columns} FROM reports
    WHERE reporter_id = ${reporterId} AND target_type = ${input.targetType} AND status = 'open'
      AND COALESCE(post_id, comment_id, message_id, target_user_id) = ${input.targetId}`));
  // Only a concurrent resolve between the two statements leaves nothing: file it afresh next time.
  if (!row) throw new AppError("CONFLICT", "Please retry", { appCode: "RETRY" });
  return {
    id: row.id, targetType: row.target_type, targetId: row.target_id, category: row.category, status: row.status,
    createdAt: iso(row.created_at)!,
  };
}

interface ReportRow {
  id: string;
  target_type: ReportTargetType;
  target_id: string;
  category: ReportCategory;
  status: ReportStatus;
  created_at: string;
}
