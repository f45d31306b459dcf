// Operator and moderator actions on an account's status (suspend, restore; deletion is the owner's
// user.delete). `bun run account:status` calls it by username; moderation.suspend / unsuspend
// (src/modules/moderation) by id, with a hook that checks the moderator's rights and writes the
// audit row and the notice inside the same transaction. A status change is an
// account.statusChanged event: the cached profile goes, followers' homes re-read; and a session
// revocation for the user, so no process's session cache serves the account afterwards.
import { sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import type { SessionRevoker } from "../auth/session-cache";
import { revokeUserSessions } from "../auth/session.service";
import { emit } from "../events/events";

export type OperatorStatus = "active" | "suspended";

/** The account as it was before the change, locked (FOR UPDATE) for the rest of the transaction. */
export interface StatusTarget {
  id: string;
  username: string;
  previous: string;
  role: string;
}

export interface StatusChangeOptions {
  /**
   * Runs inside the transaction, on the locked row, before the update: may refuse (throw) and may
   * write rows that must commit with the change or not at all (moderation's audit row and notice).
   */
  inTransaction?: (tx: Tx, target: StatusTarget) => Promise<void>;
}

/**
 * Sets the status of `account` (a username, or `{ id }`); suspending signs the account out
 * everywhere. Returns the previous status. `sessions` announces the revocation (a server's
 * SessionCache, or the CLI's publisher); without it, processes that cache sessions notice only when
 * their entries expire.
 */
export async function setAccountStatus(
  db: Db, cache: Cache, account: string | { id: string }, status: OperatorStatus, sessions?: SessionRevoker,
  opts: StatusChangeOptions = {},
): Promise<{ id: string; previous: string }> {
  const result = await transaction(db, async (tx) => {
    const where = typeof account === "string" ? sql`LOWER(username) = LOWER(${account})` : sql`id = ${account.id}`;
    const target = await one<StatusTarget>(tx, sql`
      SELECT id, username, status AS previous, role FROM users WHERE ${where} FOR UPDATE`);
    if (!target) throw new AppError("NOT_FOUND", "User not found");
    await opts.inTransaction?.(tx, target);
    await tx.execute(sql`UPDATE users SET status = ${status}, deleted_at = NULL WHERE id = ${target.id}`);
    if (status !== "active") await revokeUserSessions(tx, target.id);
    return target;
  });
  // Every change, restores too (nothing cached to drop then): one message, and no case to get wrong.
  await sessions?.revoked({ userId: result.id });
  await emit({ db, cache }, { type: "account.statusChanged", userId: result.id, username: result.username });
  return { id: result.id, previous: result.previous };
}
