// Follow requests for locked profiles (Mastodon's "manually approve followers"). A request lives in
// follow_requests until the owner answers; only an approved follow is a row of user_follows, so
// counts, lists, suggestions, feeds, visibility and friendships never see a pending request.
// Whether a profile is locked: user_profiles.follow_approval, NULL meaning "by visibility" (on for
// followers-only and private profiles, off for public ones) — see followApprovalSql.
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { emit } from "../events/events";
import { notify } from "../notification/notification.service";
import { accountVisibleSql } from "../visibility/visibility";
import { notSelf } from "./social.service";

/** The effective "follows need approval" of a profile row aliased `pr`. */
export const followApprovalSql = sql`COALESCE(pr.follow_approval, pr.visibility <> 'public')`;

export async function requiresApproval(db: DbOrTx, targetId: string): Promise<boolean> {
  const row = await one<{ locked: boolean }>(db, sql`SELECT ${followApprovalSql} AS locked FROM user_profiles pr WHERE pr.user_id = ${targetId}`);
  return row?.locked ?? false;
}

/** Stores a request (idempotent) and tells the owner once per pending request. */
export async function createRequest(tx: DbOrTx, requesterId: string, targetId: string): Promise<void> {
  const inserted = await many<{ id: string }>(tx, sql`
    INSERT INTO follow_requests (requester_id, target_id) VALUES (${requesterId}, ${targetId})
    ON CONFLICT (requester_id, target_id) DO NOTHING RETURNING id`);
  if (inserted.length) await notify(tx, { recipientId: targetId, actorId: requesterId, type: "follow_request" });
}

/** Drops a request and the owner's notification about it (answered or withdrawn: nothing to act on). */
async function dropRequest(tx: DbOrTx, requesterId: string, targetId: string): Promise<boolean> {
  const deleted = await many<{ id: string }>(tx, sql`
    DELETE FROM follow_requests WHERE requester_id = ${requesterId} AND target_id = ${targetId} RETURNING id`);
  await tx.execute(sql`DELETE FROM notifications WHERE user_id = ${targetId} AND actor_id = ${requesterId} AND type = 'follow_request'`);
  return deleted.length > 0;
}

/** Turns a request into an approved follow (the friendship trigger runs as for any follow). */
async function grant(tx: DbOrTx, requesterId: string, ownerId: string): Promise<void> {
  await tx.execute(sql`
    INSERT INTO user_follows (follower_id, following_id)
    SELECT ${requesterId}, ${ownerId} FROM users WHERE id = ${requesterId} AND status = 'active'
    ON CONFLICT (follower_id, following_id) DO NOTHING`);
  await notify(tx, { recipientId: requesterId, actorId: ownerId, type: "follow_approved" });
}

export interface FollowRequestItem {
  id: string;
  username: string;
  displayName: string | null;
  since: string;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The owner's pending requests, newest first; `q` filters by username / display name prefix. */
export async function listFollowRequests(
  db: DbOrTx,
  ownerId: string,
  input: { q?: string; cursor?: string; limit: number },
): Promise<Page<FollowRequestItem>> {
  const after = decodeCursor(input.cursor, 2);
  const prefix = input.q ? `${escapeLike(input.q.toLowerCase())}%` : null;
  const rows = await many<{ rel_id: string; since: string; id: string; username: string; display_name: string | null }>(db, sql`
    SELECT fr.id AS rel_id, fr.created_at AS since, u.id, u.username, p.display_name
    FROM follow_requests fr JOIN users u ON u.id = fr.requester_id JOIN user_profiles p ON p.user_id = u.id
    WHERE fr.target_id = ${ownerId} AND ${accountVisibleSql(sql`u.id`, sql`u.status`, ownerId)}
      ${prefix ? sql`AND (LOWER(u.username) LIKE ${prefix} OR LOWER(p.display_name) LIKE ${prefix})` : sql``}
      ${after ? sql`AND (fr.created_at, fr.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY fr.created_at DESC, fr.id DESC
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, (r) => ({ id: r.id, username: r.username, displayName: r.display_name, since: iso(r.since)! }), (r) => [r.since, r.rel_id]);
}

async function isFriend(db: DbOrTx, a: string, b: string): Promise<boolean> {
  const row = await one<{ yes: boolean }>(db, sql`
    SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id_1 = LEAST(${a}::bigint, ${b}::bigint)
                                             AND user_id_2 = GREATEST(${a}::bigint, ${b}::bigint)) AS yes`);
  return row!.yes;
}

/** The owner approves: the requester follows from now on. NOT_FOUND when there is no such request. */
export async function approveFollow(db: Db, cache: Cache, ownerId: string, requesterId: string) {
  notSelf(ownerId, requesterId, "approve");
  const result = await transaction(db, async (tx) => {
    if (!(await dropRequest(tx, requesterId, ownerId))) throw new AppError("NOT_FOUND", "Follow request not found");
    await grant(tx, requesterId, ownerId);
    return { approved: true as const, isFriend: await isFriend(tx, requesterId, ownerId) };
  });
  await emit({ db, cache },
    { type: "follow.requestChanged", requesterId, targetId: ownerId },
    { type: "follow.started", followerId: requesterId, followingId: ownerId });
  return result;
}

/** The owner declines. NOT_FOUND when there is no such request. The requester is not told. */
export async function rejectFollow(db: Db, cache: Cache, ownerId: string, requesterId: string) {
  notSelf(ownerId, requesterId, "reject");
  const found = await transaction(db, (tx) => dropRequest(tx, requesterId, ownerId));
  if (!found) throw new AppError("NOT_FOUND", "Follow request not found");
  await emit({ db, cache }, { type: "follow.requestChanged", requesterId, targetId: ownerId });
  return { rejected: true as const };
}

/** The requester withdraws (idempotent, like unfollow). */
export async function cancelFollowRequest(db: Db, cache: Cache, requesterId: string, targetId: string) {
  notSelf(requesterId, targetId, "cancel a request to follow");
  if (await transaction(db, (tx) => dropRequest(tx, requesterId, targetId))) {
    await emit({ db, cache }, { type: "follow.requestChanged", requesterId, targetId });
  }
  return { following: false as const, requested: false as const, isFriend: false as const };
}

/** The owner removes a follower (or a pending request) — Mastodon's "remove follower". Idempotent. */
export async function removeFollower(db: Db, cache: Cache, ownerId: string, followerId: string) {
  notSelf(ownerId, followerId, "remove");
  const removed = await transaction(db, async (tx) => {
    await dropRequest(tx, followerId, ownerId);
    const rows = await many<{ id: string }>(tx, sql`
      DELETE FROM user_follows WHERE follower_id = ${followerId} AND following_id = ${ownerId} RETURNING id`);
    return rows.length > 0;
  });
  if (removed) await emit({ db, cache }, { type: "follow.ended", followerId, followingId: ownerId });
  return { removed };
}

/**
 * After a visibility / approval change: if the profile no longer needs approval, every pending
 * request is approved (in the caller's transaction). Returns the requesters now following.
 */
export async function approvePendingIfOpen(tx: DbOrTx, ownerId: string): Promise<string[]> {
  if (await requiresApproval(tx, ownerId)) return [];
  const pending = await many<{ requester_id: string }>(tx, sql`
    SELECT requester_id FROM follow_requests WHERE target_id = ${ownerId} ORDER BY created_at, id`);
  for (const { requester_id } of pending) {
    await dropRequest(tx, requester_id, ownerId);
    await grant(tx, requester_id, ownerId);
  }
  return pending.map((p) => p.requester_id);
}
