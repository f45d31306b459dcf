// The follow graph (friendships follow by trigger), blocks and mutes.
import { sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import type { Cache } from "../../lib/cache";
import { AppError } from "../../lib/errors";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { notify } from "../notification/notification.service";
import { requireVisibleProfile } from "../user/user.service";
import { accountVisibleSql } from "../visibility/visibility";

function notSelf(userId: string, targetId: string, action: string) {
  if (userId === targetId) throw new AppError("BAD_REQUEST", `You cannot ${action} yourself`, { field: "userId", appCode: "SELF_TARGET" });
}

/** An account the caller may see (active, no block either way); NOT_FOUND otherwise. */
async function requireVisibleAccount(db: DbOrTx, viewerId: string, targetId: string) {
  const row = await one<{ id: string }>(db, sql`
    SELECT u.id FROM users u WHERE u.id = ${targetId} AND ${accountVisibleSql(sql`u.id`, sql`u.status`, viewerId)}`);
  if (!row) throw new AppError("NOT_FOUND", "User not found");
}

export async function follow(db: Db, userId: string, targetId: string) {
  notSelf(userId, targetId, "follow");
  return transaction(db, async (tx) => {
    await requireVisibleAccount(tx, userId, targetId);
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
    return { following: true as const, isFriend: friends!.yes };
  });
}

export async function unfollow(db: Db, userId: string, targetId: string) {
  notSelf(userId, targetId, "unfollow");
  await db.execute(sql`DELETE FROM user_follows WHERE follower_id = ${userId} AND following_id = ${targetId}`);
  return { following: false as const, isFriend: false as const };
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

/** Blocking removes follows both ways (and with them the friendship, by trigger). */
export async function block(db: Db, userId: string, targetId: string) {
  notSelf(userId, targetId, "block");
  await transaction(db, async (tx) => {
    const target = await one<{ id: string }>(tx, sql`SELECT id FROM users WHERE id = ${targetId} AND status = 'active'`);
    if (!target) throw new AppError("NOT_FOUND", "User not found");
    await tx.execute(sql`INSERT INTO user_blocks (blocker_id, blocked_id) VALUES (${userId}, ${targetId}) ON CONFLICT DO NOTHING`);
    await tx.execute(sql`DELETE FROM user_follows WHERE (follower_id = ${userId} AND following_id = ${targetId})
                                                  OR (follower_id = ${targetId} AND following_id = ${userId})`);
  });
  return { blocked: true as const };
}

export async function unblock(db: Db, userId: string, targetId: string) {
  notSelf(userId, targetId, "unblock");
  await db.execute(sql`DELETE FROM user_blocks WHERE blocker_id = ${userId} AND blocked_id = ${targetId}`);
  return { blocked: false as const };
}

export async function mute(db: Db, userId: string, targetId: string) {
  notSelf(userId, targetId, "mute");
  const target = await one<{ id: string }>(db, sql`SELECT id FROM users WHERE id = ${targetId} AND status = 'active'`);
  if (!target) throw new AppError("NOT_FOUND", "User not found");
  await db.execute(sql`INSERT INTO user_mutes (muter_id, muted_id) VALUES (${userId}, ${targetId}) ON CONFLICT DO NOTHING`);
  return { muted: true as const };
}

export async function unmute(db: Db, userId: string, targetId: string) {
  notSelf(userId, targetId, "unmute");
  await db.execute(sql`DELETE FROM user_mutes WHERE muter_id = ${userId} AND muted_id = ${targetId}`);
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
