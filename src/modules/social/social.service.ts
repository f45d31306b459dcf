// The follow graph (friendships follow by trigger), blocks and mutes. Follows of a locked profile
// become requests (follow-requests.ts). Every change is a domain event, emitted after commit.
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { emit } from "../events/events";
import { notify } from "../notification/notification.service";
import { createRequest, requiresApproval } from "./follow-requests";
import { requireVisibleProfile } from "../user/user.service";
import { accountVisibleSql } from "../visibility/visibility";

export function notSelf(userId: string, targetId: string, action: string) {
  if (userId === targetId) throw new AppError("BAD_REQUEST", `You cannot ${action} yourself`, { field: "userId", appCode: "SELF_TARGET" });
}

/** An account the caller may see (active, no block either way); NOT_FOUND otherwise. */
async function requireVisibleAccount(db: DbOrTx, viewerId: string, targetId: string) {
  const row = await one<{ id: string }>(db, sql`
    SELECT u.id FROM users u WHERE u.id = ${targetId} AND ${accountVisibleSql(sql`u.id`, sql`u.status`, viewerId)}`);
  if (!row) throw new AppError("NOT_FOUND", "User not found");
}

/**
 * Follows `targetId`, or — when its profile requires approval and the caller does not follow it
 * yet — asks to (`requested: true`; nothing of the profile opens until the owner approves).
 */
export async function follow(db: Db, cache: Cache, userId: string, targetId: string) {
  notSelf(userId, targetId, "follow");
  const outcome = await transaction(db, async (tx) => {
    await requireVisibleAccount(tx, userId, targetId);
    const already = await one<{ yes: boolean }>(tx, sql`
      SELECT EXISTS (SELECT 1 FROM user_follows WHERE follower_id = ${userId} AND following_id = ${targetId}) AS yes`);
    if (!already!.yes && (await requiresApproval(tx, targetId))) {
      await createRequest(tx, userId, targetId);
      return { following: false as const, requested: true as const, isFriend: false as const, started: false };
    }
    const inserted = await many<{ id: string }>(tx, sql`
      INSERT INTO user_follows (follower_id, following_id) VALUES (${userId}, ${targetId})
      ON CONFLICT (follower_id, following_id) DO NOTHING RETURNING id`);
    // The trigger has created the friendship if the follow is now mutual.
    const friends = await one<{ yes: boolean }>(tx, sql`
      SELECT EXISTS (SELECT 1 FROM friendships WHERE user_id_1 = LEAST(${userId}::bigint, ${targetId}::bigint)
                                               AND user_id_2 = GREATEST(${userId}::bigint, ${targetId}::bigint)) AS yes`);
    if (inserted.length) {
      await notify(tx, { recipientId: targetId, actorId: userId, type: friends!.yes ? "friend" : "follow" });
    }
    return { following: true as const, requested: false as const, isFriend: friends!.yes, started: inserted.length > 0 };
  });
  const { started, ...result } = outcome;
  await emit({ db, cache }, started
    ? { type: "follow.started", followerId: userId, followingId: targetId }
    : { type: "follow.requestChanged", requesterId: userId, targetId });
  return result;
}

/** Ends a follow, and withdraws a pending request too (Mastodon: unfollow on a requested account). */
export async function unfollow(db: Db, cache: Cache, userId: string, targetId: string) {
  notSelf(userId, targetId, "unfollow");
  await transaction(db, async (tx) => {
    await tx.execute(sql`DELETE FROM user_follows WHERE follower_id = ${userId} AND following_id = ${targetId}`);
    await tx.execute(sql`DELETE FROM follow_requests WHERE requester_id = ${userId} AND target_id = ${targetId}`);
    await tx.execute(sql`DELETE FROM notifications WHERE user_id = ${targetId} AND actor_id = ${userId} AND type = 'follow_request'`);
  });
  await emit({ db, cache }, { type: "follow.ended", followerId: userId, followingId: targetId });
  return { following: false as const, requested: false as const, isFriend: false as const };
}

export interface UserListItem {
  id: string;
  username: string;
  displayName: string | null;
  since: string;
}

/** One page of accounts related to `profileId`, each visible to the viewer, newest relation first. */
async function relatedAccounts(
  db: DbOrTx,
  viewerId: string | null,
  source: SQL,
  input: { cursor?: string; limit: number },
): Promise<Page<UserListItem>> {
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<{ rel_id: string; since: string; id: string; username: string; display_name: string | null }>(db, sql`
    SELECT r.rel_id, r.since, u.id, u.username, pr.display_name
    FROM (${source}) r JOIN users u ON u.id = r.user_id JOIN user_profiles pr ON pr.user_id = u.id
    WHERE ${accountVisibleSql(sql`u.id`, sql`u.status`, viewerId)}
      ${after ? sql`AND (r.since, r.rel_id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY r.since DESC, r.rel_id DESC
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, (r) => ({ id: r.id, username: r.username, displayName: r.display_name, since: iso(r.since)! }), (r) => [r.since, r.rel_id]);
}

type Relation = "followers" | "following" | "friends";

export async function listRelation(
  db: DbOrTx,
  cache: Cache,
  viewerId: string | null,
  relation: Relation,
  input: { username: string; cursor?: string; limit: number },
): Promise<Page<UserListItem>> {
  const profile = await requireVisibleProfile(db, cache, viewerId, input.username);
  const id = profile.id;
  const sources: Record<Relation, SQL> = {
    followers: sql`SELECT f.id AS rel_id, f.created_at AS since, f.follower_id AS user_id FROM user_follows f WHERE f.following_id = ${id}`,
    following: sql`SELECT f.id AS rel_id, f.created_at AS since, f.following_id AS user_id FROM user_follows f WHERE f.follower_id = ${id}`,
    friends: sql`SELECT f.id AS rel_id, f.created_at AS since, f.user_id_2 AS user_id FROM friendships f WHERE f.user_id_1 = ${id}
                 UNION ALL
                 SELECT f.id, f.created_at, f.user_id_1 FROM friendships f WHERE f.user_id_2 = ${id}`,
  };
  return relatedAccounts(db, viewerId, sources[relation], input);
}

/**
 * Blocking removes follows and follow requests both ways (and with them the friendship, by
 * trigger), and each from the other's lists (Mastodon: a list holds only accounts you follow).
 */
export async function block(db: Db, cache: Cache, userId: string, targetId: string) {
  notSelf(userId, targetId, "block");
  await transaction(db, async (tx) => {
    const target = await one<{ id: string }>(tx, sql`SELECT id FROM users WHERE id = ${targetId} AND status = 'active'`);
    if (!target) throw new AppError("NOT_FOUND", "User not found");
    await tx.execute(sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${userId}, ${targetId}) ON CONFLICT DO NOTHING`);
    await tx.execute(sql`DELETE FROM user_follows WHERE (follower_id = ${userId} AND following_id = ${targetId})
                                                  OR (follower_id = ${targetId} AND following_id = ${userId})`);
    await tx.execute(sql`DELETE FROM follow_requests WHERE (requester_id = ${userId} AND target_id = ${targetId})
                                                     OR (requester_id = ${targetId} AND target_id = ${userId})`);
    await tx.execute(sql`DELETE FROM list_members m USING user_lists l WHERE m.list_id = l.id
      AND ((l.user_id = ${userId} AND m.member_user_id = ${targetId}) OR (l.user_id = ${targetId} AND m.member_user_id = ${userId}))`);
  });
  await emit({ db, cache },
    { type: "block.changed", blockerId: userId, blockedId: targetId },
    { type: "follow.ended", followerId: userId, followingId: targetId },
    { type: "follow.ended", followerId: targetId, followingId: userId });
  return { blocked: true as const };
}

export async function unblock(db: Db, cache: Cache, userId: string, targetId: string) {
  notSelf(userId, targetId, "unblock");
  await db.execute(sql`DELETE FROM user_blocks WHERE blocker_id = ${userId} AND blocked_id = ${targetId}`);
  await emit({ db, cache }, { type: "block.changed", blockerId: userId, blockedId: targetId });
  return { blocked: false as const };
}

export async function mute(db: Db, cache: Cache, userId: string, targetId: string) {
  notSelf(userId, targetId, "mute");
  const target = await one<{ id: string }>(db, sql`SELECT id FROM users WHERE id = ${targetId} AND status = 'active'`);
  if (!target) throw new AppError("NOT_FOUND", "User not found");
  await db.execute(sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${userId}, ${targetId}) ON CONFLICT DO NOTHING`);
  await emit({ db, cache }, { type: "mute.changed", muterId: userId, mutedId: targetId });
  return { muted: true as const };
}

export async function unmute(db: Db, cache: Cache, userId: string, targetId: string) {
  notSelf(userId, targetId, "unmute");
  await db.execute(sql`DELETE FROM user_mutes WHERE muter_id = ${userId} AND muted_id = ${targetId}`);
  await emit({ db, cache }, { type: "mute.changed", muterId: userId, mutedId: targetId });
  return { muted: false as const };
}

/** The caller's own blocked or muted accounts, newest first. */
export async function listOwn(db: DbOrTx, userId: string, which: "blocked" | "muted", input: { cursor?: string; limit: number }) {
  const after = decodeCursor(input.cursor, 2);
  const source = which === "blocked"
    ? sql`SELECT blocked_id AS user_id, created_at AS since FROM user_blocks WHERE blocker_id = ${userId}`
    : sql`SELECT muted_id AS user_id, created_at AS since FROM user_mutes WHERE muter_id = ${userId}`;
  const rows = await many<{ since: string; id: string; username: string; display_name: string | null }>(db, sql`
    SELECT r.since, u.id, u.username, pr.display_name
    FROM (${source}) r JOIN users u ON u.id = r.user_id JOIN user_profiles pr ON pr.user_id = u.id
    WHERE u.status = 'active'
      ${after ? sql`AND (r.since, u.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY r.since DESC, u.id DESC
    LIMIT ${input.limit + 1}`);
  return toPage(rows, input.limit, (r) => ({ id: r.id, username: r.username, displayName: r.display_name, since: iso(r.since)! }), (r) => [r.since, r.id]);
}
