// Moderation actions: suspending and unsuspending accounts, removing and restoring posts and
// comments. Each one checks the moderator's right over the account concerned (roles.ts), makes its
// change, writes its audit row and notifies the account concerned, all in one transaction; events
// for caches are emitted after the commit (the router's job, as everywhere).
import { sql } from "drizzle-orm";
import type { Db, Tx } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import type { SessionRevoker } from "../auth/session-cache";
import type { DomainEvent } from "../events/events";
import { notifySystem } from "../notification/notification.service";
import { setAccountStatus, type OperatorStatus, type StatusTarget } from "../user/account-status";
import { recordAction } from "./audit";
import { assertMayActOn, type Moderator } from "./roles";

// ------------------------------------------------------------------------------------------------
// accounts

export interface AccountStatusResult {
  user: { id: string; username: string; displayName: string | null };
  status: OperatorStatus;
  previousStatus: string;
}

/**
 * Suspends (signs out everywhere: setAccountStatus revokes the sessions and announces it to every
 * process) or lifts a suspension. The account's content disappears from every read at once (the
 * visibility policy checks the author's status) and account.statusChanged refreshes caches. A
 * deleted account is NOT_FOUND; suspending a suspended account (or lifting an active one's) is
 * CONFLICT, so the log never holds an action that changed nothing.
 */
export async function changeAccountStatus(
  deps: { db: Db; cache: Cache; sessions: SessionRevoker },
  moderator: Moderator,
  input: { userId: string; status: OperatorStatus; reason?: string },
): Promise<AccountStatusResult> {
  const suspend = input.status === "suspended";
  const check = async (tx: Tx, target: StatusTarget) => {
    if (target.previous === "deleted") throw new AppError("NOT_FOUND", "User not found");
    assertMayActOn(moderator, target);
    if (suspend && target.previous === "suspended") throw new AppError("CONFLICT", "The account is already suspended", { appCode: "ALREADY_SUSPENDED" });
    if (!suspend && target.previous !== "suspended") throw new AppError("CONFLICT", "The account is not suspended", { appCode: "NOT_SUSPENDED" });
    await recordAction(tx, {
      moderatorId: moderator.userId, action: suspend ? "account.suspend" : "account.unsuspend",
      targetType: "account", targetId: target.id, targetUserId: target.id, reason: input.reason ?? null,
      details: { previousStatus: target.previous },
    });
    // Stored for the account to read once it can sign in again (or at once, for a lifted suspension).
    await notifySystem(tx, suspend
      ? { recipientId: target.id, title: "Your account was suspended by a moderator", content: input.reason }
      : { recipientId: target.id, title: "Your account was restored by a moderator", content: input.reason });
  };
  const { id, previous } = await setAccountStatus(deps.db, deps.cache, { id: input.userId }, input.status, deps.sessions, { inTransaction: check });
  const user = await one<{ username: string; display_name: string | null }>(deps.db, sql`
    SELECT u.username, p.display_name FROM users u JOIN user_profiles p ON p.user_id = u.id WHERE u.id = ${id}`);
  return { user: { id, username: user!.username, displayName: user!.display_name }, status: input.status, previousStatus: previous };
}

// ------------------------------------------------------------------------------------------------
// posts and comments

type ContentType = "post" | "comment";

interface ContentRow {
  id: string;
  author_id: string;
  author_role: string;
  post_id: string;
  published: boolean;
  deleted_at: string | null;
  removal_id: string | null;
  previous_deleted_at: string | null;
}

/** The item with its author's role and its removal row (if any), locked. */
async function lockContent(tx: Tx, type: ContentType, id: string): Promise<ContentRow> {
  const row = type === "post"
    ? await one<ContentRow>(tx, sql`
        SELECT p.id, p.user_id AS author_id, u.role AS author_role, p.id AS post_id, p.status = 'published' AS published,
               p.deleted_at, mr.id AS removal_id, mr.previous_deleted_at
        FROM posts p JOIN users u ON u.id = p.user_id LEFT JOIN moderation_removals mr ON mr.post_id = p.id
        WHERE p.id = ${id} FOR UPDATE OF p`)
    : await one<ContentRow>(tx, sql`
        SELECT c.id, c.user_id AS author_id, u.role AS author_role, c.post_id, TRUE AS published,
               c.deleted_at, mr.id AS removal_id, mr.previous_deleted_at
        FROM comments c JOIN users u ON u.id = c.user_id LEFT JOIN moderation_removals mr ON mr.comment_id = c.id
        WHERE c.id = ${id} FOR UPDATE OF c`);
  if (!row) throw new AppError("NOT_FOUND", type === "post" ? "Post not found" : "Comment not found");
  return row;
}

export interface RemovalResult {
  targetType: ContentType;
  targetId: string;
  removed: boolean;
  /** What the caches must hear once this has committed. */
  event: DomainEvent | null;
}

/**
 * Soft-deletes a post or comment as a moderator: hidden from every read (deleted_at), and marked
 * in moderation_removals so that its author cannot restore it and the purge keeps it. An item its
 * author had already deleted can be removed too (it then stays gone for good, unless restored by a
 * moderator, which puts the author's deletion back). Already removed: CONFLICT ALREADY_REMOVED.
 */
export async function removeContent(db: Db, moderator: Moderator, type: ContentType, id: string, reason: string): Promise<RemovalResult> {
  const item = await transaction(db, async (tx) => {
    const item = await lockContent(tx, type, id);
    assertMayActOn(moderator, { id: item.author_id, role: item.author_role });
    if (item.removal_id) throw new AppError("CONFLICT", `This ${type} is already removed`, { appCode: "ALREADY_REMOVED" });
    // Comment counters follow deleted_at by trigger (0008); the post's fan-out row does not fire on a delete.
    await tx.execute(type === "post"
      ? sql`UPDATE posts SET deleted_at = NOW() WHERE id = ${id}`
      : sql`UPDATE comments SET deleted_at = NOW() WHERE id = ${id}`);
    await tx.execute(sql`
      INSERT INTO moderation_removals (post_id, comment_id, reason, previous_deleted_at)
      VALUES (${type === "post" ? id : null}, ${type === "comment" ? id : null}, ${reason}, ${item.deleted_at}::timestamptz)`);
    await recordAction(tx, {
      moderatorId: moderator.userId, action: type === "post" ? "post.remove" : "comment.remove",
      targetType: type, targetId: id, targetUserId: item.author_id, reason,
      details: { postId: item.post_id, previouslyDeletedByAuthor: item.deleted_at ? "true" : "false" },
    });
    await notifySystem(tx, { recipientId: item.author_id, title: `A moderator removed your ${type}`, content: reason });
    return item;
  });
  // Drops a post from every materialized home timeline, as the author's own post.delete does.
  const event: DomainEvent | null = type === "post" ? { type: "post.deleted", authorId: item.author_id, postId: id } : null;
  return { targetType: type, targetId: id, removed: true, event };
}

/**
 * Undoes a moderator's removal: the item is back as it was before it (live, or deleted by its
 * author if it was), the removal row goes, the audit row and the author's notice are written.
 * Only items a moderator removed: anything else is NOT_FOUND.
 */
export async function restoreContent(db: Db, moderator: Moderator, type: ContentType, id: string, reason?: string): Promise<RemovalResult> {
  const item = await transaction(db, async (tx) => {
    const item = await lockContent(tx, type, id);
    if (!item.removal_id) throw new AppError("NOT_FOUND", type === "post" ? "Post not found" : "Comment not found");
    assertMayActOn(moderator, { id: item.author_id, role: item.author_role });
    await tx.execute(type === "post"
      ? sql`UPDATE posts SET deleted_at = ${item.previous_deleted_at}::timestamptz WHERE id = ${id}`
      : sql`UPDATE comments SET deleted_at = ${item.previous_deleted_at}::timestamptz WHERE id = ${id}`);
    await tx.execute(sql`DELETE FROM moderation_removals WHERE id = ${item.removal_id}`);
    await recordAction(tx, {
      moderatorId: moderator.userId, action: type === "post" ? "post.restore" : "comment.restore",
      targetType: type, targetId: id, targetUserId: item.author_id, reason: reason ?? null,
      details: { postId: item.post_id },
    });
    await notifySystem(tx, {
      recipientId: item.author_id, title: `A moderator restored your ${type}`, content: reason,
      actionUrl: item.previous_deleted_at ? undefined : `/posts/${item.post_id}${type === "comment" ? `#comment-${id}` : ""}`,
    });
    return item;
  });
  // What the author's post.restore emits: the post is visible to others again (fanned out once more).
  const visibleAgain = type === "post" && !item.previous_deleted_at && item.published;
  const event: DomainEvent | null = visibleAgain ? { type: "post.published", authorId: item.author_id, postId: id } : null;
  return { targetType: type, targetId: id, removed: false, event };
}
