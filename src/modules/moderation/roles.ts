// Roles (drizzle/0064): who may moderate, read fresh from the primary on every moderation call,
// and what an admin may do beyond a moderator: act on moderators and admins (suspend them, remove
// or restore their content). Roles change only through the operator's CLI (scripts/admin-grant.ts).
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { recordAction } from "./audit";
import { ROLES, type Role } from "./moderation.schema";

/** The moderator acting in a moderation procedure (ctx.moderator). */
export interface Moderator {
  userId: string;
  role: "moderator" | "admin";
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);
export const isStaff = (role: string) => role === "moderator" || role === "admin";

/**
 * The caller as a moderator, or FORBIDDEN MODERATOR_REQUIRED. One primary-key read per call: the
 * session cache holds no role, so a demotion (or a suspension) holds on the very next request.
 */
export async function requireModerator(db: DbOrTx, userId: string): Promise<Moderator> {
  const row = await one<{ role: string }>(db, sql`SELECT role FROM users WHERE id = ${userId} AND status = 'active'`);
  if (!row || !isStaff(row.role)) throw new AppError("FORBIDDEN", "Moderators only", { appCode: "MODERATOR_REQUIRED" });
  return { userId, role: row.role as Moderator["role"] };
}

/** Staff accounts (and their content) are an admin's to act on; nobody moderates themselves. */
export function assertMayActOn(moderator: Moderator, target: { id: string; role: string }): void {
  if (target.id === moderator.userId) {
    throw new AppError("BAD_REQUEST", "You cannot moderate yourself", { appCode: "SELF_TARGET" });
  }
  if (isStaff(target.role) && moderator.role !== "admin") {
    throw new AppError("FORBIDDEN", "Only an admin acts on moderators and admins", { appCode: "ADMIN_REQUIRED" });
  }
}

/**
 * Sets an account's role (the CLI: grant with moderator/admin, revoke with user), with its audit
 * row (moderator NULL: the operator). A deleted account is NOT_FOUND. Returns the previous role.
 */
export async function setUserRole(db: Db, username: string, role: Role): Promise<{ id: string; username: string; previous: Role }> {
  return transaction(db, async (tx) => {
    const row = await one<{ id: string; username: string; previous: Role }>(tx, sql`
      UPDATE users u SET role = ${role}
      FROM (SELECT id, role AS previous FROM users WHERE LOWER(username) = LOWER(${username}) AND status <> 'deleted' FOR UPDATE) old
      WHERE u.id = old.id RETURNING u.id, u.username, old.previous`);
    if (!row) throw new AppError("NOT_FOUND", "User not found");
    if (row.previous !== role) {
      await recordAction(tx, {
        moderatorId: null, action: "role.set", targetType: "account", targetId: row.id, targetUserId: row.id,
        details: { from: row.previous, to: role },
      });
    }
    return row;
  });
}
