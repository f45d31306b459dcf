// Operator actions on an account's status (suspend, restore; deletion is the owner's user.delete).
// Moderation tooling (issue 18) builds on this; today `bun run account:status` calls it. A status
// change is an account.statusChanged event: the cached profile goes, followers' homes re-read; and a
// session revocation for the user, so no process's session cache serves the account afterwards.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import type { SessionRevoker } from "../auth/session-cache";
import { revokeUserSessions } from "../auth/session.service";
import { emit } from "../events/events";

export type OperatorStatus = "active" | "suspended";

/**
 * Sets `username`'s status; suspending signs the account out everywhere. Returns the previous
 * status. `sessions` announces the revocation (a server's SessionCache, or the CLI's publisher);
 * without it, processes that cache sessions notice only when their entries expire.
 */
export async function setAccountStatus(
  db: Db, cache: Cache, username: string, status: OperatorStatus, sessions?: SessionRevoker,
): Promise<{ id: string; previous: string }> {
  const result = await transaction(db, async (tx) => {
    const row = await one<{ id: string; username: string; previous: string }>(tx, sql`
      UPDATE users u SET status = ${status}, deleted_at = NULL
      FROM (SELECT id, status AS previous FROM users WHERE LOWER(username) = LOWER(${username}) FOR UPDATE) old
      WHERE u.id = old.id RETURNING u.id, u.username, old.previous`);
    if (!row) throw new AppError("NOT_FOUND", "User not found");
    if (status !== "active") await revokeUserSessions(tx, row.id);
    return row;
  });
  // Every change, restores too (nothing cached to drop then): one message, and no case to get wrong.
  await sessions?.revoked({ userId: result.id });
  await emit({ db, cache }, { type: "account.statusChanged", userId: result.id, username: result.username });
  return { id: result.id, previous: result.previous };
}
