// The one visibility policy. Every read and every interaction asks this module what a viewer may
// see: account status (suspended/deleted vanish), blocks in either direction, profile visibility
// (public / followers / private). Post-level rules build on the same relation.
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { one } from "../../db/query";

export type { ProfileVisibility as Visibility } from "../user/user.constants";
import type { ProfileVisibility as Visibility } from "../user/user.constants";

export interface Relation {
  isSelf: boolean;
  /** The viewer follows the target. */
  isFollowing: boolean;
  /** The target follows the viewer. */
  followsYou: boolean;
  isFriend: boolean;
  /** The viewer asked to follow the target (a locked profile) and awaits approval. */
  followRequested: boolean;
  /** The viewer blocked the target. */
  isBlocked: boolean;
  /** The target blocked the viewer. */
  blocksYou: boolean;
  isMuted: boolean;
}

const NO_RELATION: Relation = {
  isSelf: false, isFollowing: false, followsYou: false, isFriend: false, followRequested: false, isBlocked: false, blocksYou: false, isMuted: false,
};

export async function relationBetween(db: DbOrTx, viewerId: string | null, targetId: string): Promise<Relation> {
  return (await liveRelation(db, viewerId, targetId)).relation;
}

/**
 * The relation and whether the target account is active *now*, in one round trip. Profile reads
 * cache the profile row; this fresh status check is what makes a suspension or deletion done
 * outside the app (SQL by an operator) vanish at once rather than when the cache entry expires.
 */
export async function liveRelation(db: DbOrTx, viewerId: string | null, targetId: string): Promise<{ active: boolean; relation: Relation }> {
  if (!viewerId || viewerId === targetId) {
    const row = await one<{ active: boolean }>(db, sql`SELECT EXISTS (SELECT 1 FROM users WHERE id = ${targetId} AND status = 'active') AS active`);
    return { active: row!.active, relation: viewerId ? { ...NO_RELATION, isSelf: true } : NO_RELATION };
  }
  // account_relation (drizzle/0061): the same EXISTS probes, planned once per server connection.
  const row = await one<Omit<Relation, "isSelf" | "isFriend"> & { active: boolean }>(db, sql`
    SELECT active, follow_requested AS "followRequested", is_following AS "isFollowing", follows_you AS "followsYou",
           is_blocked AS "isBlocked", blocks_you AS "blocksYou", is_muted AS "isMuted"
    FROM account_relation(${targetId}::bigint, ${viewerId}::bigint)`);
  const { active, ...r } = row!;
  return { active, relation: { ...r, isSelf: false, isFriend: r.isFollowing && r.followsYou } };
}

/** May the viewer see the target's profile content (posts, sections, social lists)? */
export function canSeeProfileContent(visibility: Visibility, relation: Relation): boolean {
  if (relation.isSelf) return true;
  if (relation.isBlocked || relation.blocksYou) return false;
  if (visibility === "public") return true;
  if (visibility === "followers") return relation.isFollowing;
  return false;
}

/**
 * SQL condition: the account `userIdExpr` is visible to `viewerId` at all (active, and no block
 * either way). Used wherever other users appear in a list (followers, search, comments…).
 */
export function accountVisibleSql(userIdExpr: SQL, statusExpr: SQL, viewerId: string | null): SQL {
  if (!viewerId) return sql`${statusExpr} = 'active'`;
  return sql`${statusExpr} = 'active'
    AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = ${viewerId} AND b.blocked_id = ${userIdExpr})
    AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = ${userIdExpr} AND b.blocked_id = ${viewerId})`;
}

/**
 * SQL condition: the viewer may see content of the account (`userIdExpr`, with profile visibility
 * `visibilityExpr`): its own, public, or followers-only when the viewer follows it.
 */
export function profileContentVisibleSql(userIdExpr: SQL, visibilityExpr: SQL, viewerId: string | null): SQL {
  if (!viewerId) return sql`${visibilityExpr} = 'public'`;
  return sql`(${userIdExpr} = ${viewerId} OR ${visibilityExpr} = 'public' OR (${visibilityExpr} = 'followers' AND EXISTS (
    SELECT 1 FROM user_follows f WHERE f.follower_id = ${viewerId} AND f.following_id = ${userIdExpr})))`;
}
