// The audit log (moderation_actions, drizzle/0066–0067): one row per moderation action, written
// in the action's own transaction; the database refuses UPDATE, DELETE and TRUNCATE. Rows keep
// ids rather than foreign keys (they outlive what they describe); reads join users where it exists.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { iso, many } from "../../db/query";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import type { ModerationAction } from "./moderation.schema";

export interface ActionRecord {
  /** null only for the operator's CLI (role.set). */
  moderatorId: string | null;
  action: ModerationAction;
  targetType: "report" | "account" | "post" | "comment";
  targetId: string;
  targetUserId: string | null;
  reason?: string | null;
  details?: Record<string, string | null>;
}

export async function recordAction(db: DbOrTx, a: ActionRecord): Promise<void> {
  await db.execute(sql`
    INSERT INTO moderation_actions (moderator_id, action, target_type, target_id, target_user_id, reason, details)
    VALUES (${a.moderatorId}, ${a.action}, ${a.targetType}, ${a.targetId}, ${a.targetUserId}, ${a.reason ?? null},
            ${JSON.stringify(a.details ?? {})}::jsonb)`);
}

interface ActionRow {
  id: string;
  action: ModerationAction;
  moderator_id: string | null;
  moderator_username: string | null;
  moderator_display_name: string | null;
  target_type: ActionRecord["targetType"];
  target_id: string;
  target_user_id: string | null;
  target_username: string | null;
  target_display_name: string | null;
  reason: string | null;
  details: Record<string, string | null>;
  created_at: string;
}

const ref = (id: string | null, username: string | null, displayName: string | null) =>
  id && username ? { id, username, displayName } : null;

/** The log, newest first, optionally about one account or by one moderator. */
export async function listActions(
  db: DbOrTx,
  input: { targetUserId?: string; moderatorId?: string; cursor?: string; limit: number },
): Promise<Page<ReturnType<typeof actionView>>> {
  const after = decodeCursor(input.cursor, 1);
  const rows = await many<ActionRow>(db, sql`
    SELECT a.id, a.action, a.moderator_id, mu.username AS moderator_username, mp.display_name AS moderator_display_name,
           a.target_type, a.target_id, a.target_user_id, tu.username AS target_username, tp.display_name AS target_display_name,
           a.reason, a.details, a.created_at
    FROM moderation_actions a
    LEFT JOIN users mu ON mu.id = a.moderator_id LEFT JOIN user_profiles mp ON mp.user_id = a.moderator_id
    LEFT JOIN users tu ON tu.id = a.target_user_id LEFT JOIN user_profiles tp ON tp.user_id = a.target_user_id
    WHERE TRUE
      ${input.targetUserId ? sql`AND a.target_user_id = ${input.targetUserId}` : sql``}
      ${input.moderatorId ? sql`AND a.moderator_id = ${input.moderatorId}` : sql``}
      ${after ? sql`AND a.id < ${String(after[0])}::bigint` : sql``}
    ORDER BY a.id DESC
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, actionView, (r) => [r.id]);
}

function actionView(r: ActionRow) {
  return {
    id: r.id,
    action: r.action,
    moderator: ref(r.moderator_id, r.moderator_username, r.moderator_display_name),
    targetType: r.target_type,
    targetId: r.target_id,
    targetUser: ref(r.target_user_id, r.target_username, r.target_display_name),
    targetUserId: r.target_user_id,
    reason: r.reason,
    details: r.details,
    createdAt: iso(r.created_at)!,
  };
}
