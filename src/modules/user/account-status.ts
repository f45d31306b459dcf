// Operator actions on an account's status (suspend, restore; deletion is the owner's user.delete).
// Moderation tooling (issue 18) builds on this; today `bun run account:status` calls it. A status
// change is an account.statusChanged event: the cached profile goes, followers' homes re-read.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { revokeUserSessions } from "../auth/session.service";
import { emit } from "../events/events";

export type OperatorStatus = "active" | "suspended";

/** Sets `username`'s status; suspending signs the account out everywhere. Returns the previous status. */
export async function setAccountStatus(db: Db, cache: Cache, username: string, status: OperatorStatus): Promise<{ id: string; previous: string }> {
  const result = await transaction(db, async (tx) => {
    const row = await one<{ id: string; username: string; previous: string }>(tx, sql`
      UPDATE users u SET status = ${status}, deleted_at = NULL
      FROM (SELECT id, status AS previous FROM users WHERE LOWER(username) = LOWER(${username}) FOR UPDATE) old
      WHERE u.id = old.id RETURNING u.id, u.username, old.previous`);
    if (!row) throw new AppError("NOT_FOUND", "User not found");
    if (status !== "active") await revokeUserSessions(tx, row.id);
    return row;
  });
  await emit({ db, cache }, { type: "account.statusChanged", userId: result.id, username: result.username });
  return { id: result.id, previous: result.previous };
}
