// The moderators' side of reports: the queue (moderation.reports) and resolving one
// (moderation.resolve). Only moderatorProcedure reaches these: reporters never read the queue.
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { notifySystem } from "../notification/notification.service";
import { recordAction } from "./audit";
import type { ReportCategory, ReportStatus, ReportTargetType } from "./moderation.schema";
import { assertMayActOn, type Moderator } from "./roles";

interface QueueRow {
  id: string;
  target_type: ReportTargetType;
  target_id: string;
  category: ReportCategory;
  description: string;
  status: ReportStatus;
  reporter_id: string;
  reporter_username: string;
  reporter_display_name: string | null;
  target_user_id: string;
  target_username: string;
  target_display_name: string | null;
  target_status: string;
  target_role: string;
  content: string | null;
  parent_id: string | null;
  deleted: boolean;
  removed_by_moderator: boolean;
  open_on_target: number;
  resolution_note: string | null;
  resolved_by: string | null;
  resolver_username: string | null;
  resolver_display_name: string | null;
  resolved_at: string | null;
  created_at: string;
}

/**
 * One report with what a moderator needs to judge it: the reported text whatever its visibility
 * (moderators read it; reporters saw it), whether it is gone, and how many open reports share it.
 */
const QUEUE_SELECT = sql`
  SELECT r.id, r.target_type, COALESCE(r.post_id, r.comment_id, r.message_id, r.target_user_id) AS target_id,
         r.category, r.description, r.status,
         r.reporter_id, ru.username AS reporter_username, rp.display_name AS reporter_display_name,
         r.target_user_id, tu.username AS target_username, tp.display_name AS target_display_name,
         tu.status AS target_status, tu.role AS target_role,
         CASE r.target_type WHEN 'post' THEN NULLIF(concat_ws(E'\n', p.title, p.content), '')
                            WHEN 'comment' THEN c.content WHEN 'message' THEN m.content END AS content,
         CASE r.target_type WHEN 'comment' THEN c.post_id WHEN 'message' THEN m.conversation_id END AS parent_id,
         CASE r.target_type WHEN 'post' THEN p.deleted_at IS NOT NULL WHEN 'comment' THEN c.deleted_at IS NOT NULL
                            WHEN 'message' THEN m.deleted_at IS NOT NULL ELSE tu.status <> 'active' END AS deleted,
         (EXISTS (SELECT 1 FROM moderation_removals x WHERE x.post_id = r.post_id)
          OR EXISTS (SELECT 1 FROM moderation_removals x WHERE x.comment_id = r.comment_id)) AS removed_by_moderator,
         (CASE r.target_type
            WHEN 'post' THEN (SELECT count(*) FROM reports o WHERE o.post_id = r.post_id AND o.status = 'open')
            WHEN 'comment' THEN (SELECT count(*) FROM reports o WHERE o.comment_id = r.comment_id AND o.status = 'open')
            WHEN 'message' THEN (SELECT count(*) FROM reports o WHERE o.message_id = r.message_id AND o.status = 'open')
            ELSE (SELECT count(*) FROM reports o WHERE o.target_user_id = r.target_user_id AND o.target_type = 'account' AND o.status = 'open')
          END)::int AS open_on_target,
         r.resolution_note, r.resolved_by, bu.username AS resolver_username, bp.display_name AS resolver_display_name,
         r.resolved_at, r.created_at
  FROM reports r
  JOIN users ru ON ru.id = r.reporter_id JOIN user_profiles rp ON rp.user_id = r.reporter_id
  JOIN users tu ON tu.id = r.target_user_id JOIN user_profiles tp ON tp.user_id = r.target_user_id
  LEFT JOIN posts p ON p.id = r.post_id
  LEFT JOIN comments c ON c.id = r.comment_id
  LEFT JOIN messages m ON m.id = r.message_id
  LEFT JOIN users bu ON bu.id = r.resolved_by LEFT JOIN user_profiles bp ON bp.user_id = r.resolved_by`;

function reportView(r: QueueRow) {
  return {
    id: r.id,
    targetType: r.target_type,
    targetId: r.target_id,
    category: r.category,
    description: r.description,
    status: r.status,
    reporter: { id: r.reporter_id, username: r.reporter_username, displayName: r.reporter_display_name },
    targetUser: {
      id: r.target_user_id, username: r.target_username, displayName: r.target_display_name, status: r.target_status, role: r.target_role,
    },
    target: { content: r.content, parentId: r.parent_id, deleted: r.deleted, removedByModerator: r.removed_by_moderator },
    openReportsOnTarget: r.open_on_target,
    resolution: r.resolved_at
      ? {
          note: r.resolution_note,
          by: r.resolved_by && r.resolver_username ? { id: r.resolved_by, username: r.resolver_username, displayName: r.resolver_display_name } : null,
          at: iso(r.resolved_at)!,
        }
      : null,
    createdAt: iso(r.created_at)!,
  };
}
export type ReportView = ReturnType<typeof reportView>;

/** The queue of one status: open reports oldest first (first come, first served), closed ones newest first. */
export async function listReports(
  db: DbOrTx,
  input: { status: ReportStatus; targetType?: ReportTargetType; cursor?: string; limit: number },
): Promise<Page<ReportView>> {
  const after = decodeCursor(input.cursor, 1);
  const fifo = input.status === "open";
  const seek: SQL = after ? (fifo ? sql`AND r.id > ${String(after[0])}::bigint` : sql`AND r.id < ${String(after[0])}::bigint`) : sql``;
  const rows = await many<QueueRow>(db, sql`
    ${QUEUE_SELECT}
    WHERE r.status = ${input.status} ${input.targetType ? sql`AND r.target_type = ${input.targetType}` : sql``} ${seek}
    ORDER BY ${fifo ? sql`r.id ASC` : sql`r.id DESC`}
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, reportView, (r) => [r.id]);
}

export async function getReport(db: DbOrTx, reportId: string): Promise<ReportView> {
  const row = await one<QueueRow>(db, sql`${QUEUE_SELECT} WHERE r.id = ${reportId}`);
  if (!row) throw new AppError("NOT_FOUND", "Report not found");
  return reportView(row);
}

const OUTCOME_TEXT: Record<"resolved" | "dismissed", (what: string) => string> = {
  resolved: (what) => `Thank you: we reviewed the ${what} you reported and took action.`,
  dismissed: (what) => `We reviewed the ${what} you reported and found that it does not break our rules.`,
};

/**
 * Closes an open report as `resolved` (a violation, dealt with by its own action) or `dismissed`,
 * with the moderator's internal note; writes the audit row and tells the reporter the outcome (not
 * the note) in the same transaction. A report about a moderator or admin is an admin's to close,
 * and nobody closes a report about themselves. A closed report is CONFLICT REPORT_CLOSED.
 */
export async function resolveReport(
  db: Db, moderator: Moderator, input: { reportId: string; outcome: "resolved" | "dismissed"; note?: string },
): Promise<ReportView> {
  await transaction(db, async (tx) => {
    const report = await one<{ id: string; status: ReportStatus; reporter_id: string; target_type: ReportTargetType; target_user_id: string; role: string }>(tx, sql`
      SELECT r.id, r.status, r.reporter_id, r.target_type, r.target_user_id, u.role
      FROM reports r JOIN users u ON u.id = r.target_user_id WHERE r.id = ${input.reportId} FOR UPDATE OF r`);
    if (!report) throw new AppError("NOT_FOUND", "Report not found");
    assertMayActOn(moderator, { id: report.target_user_id, role: report.role });
    if (report.status !== "open") throw new AppError("CONFLICT", "This report is already closed", { appCode: "REPORT_CLOSED" });
    await tx.execute(sql`
      UPDATE reports SET status = ${input.outcome}, resolution_note = ${input.note ?? null}, resolved_by = ${moderator.userId}, resolved_at = NOW()
      WHERE id = ${report.id}`);
    await recordAction(tx, {
      moderatorId: moderator.userId, action: input.outcome === "resolved" ? "report.resolve" : "report.dismiss",
      targetType: "report", targetId: report.id, targetUserId: report.target_user_id,
      details: { reportTargetType: report.target_type, note: input.note ?? null },
    });
    await notifySystem(tx, { recipientId: report.reporter_id, title: "Your report was reviewed", content: OUTCOME_TEXT[input.outcome](report.target_type) });
  });
  return getReport(db, input.reportId);
}
