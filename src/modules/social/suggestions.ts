// social.suggestions: friends of friends, ranked by how many friends the caller shares with them,
// excluding the caller, accounts they already follow, and anyone on either side of a block. Only
// friends whose friend list the caller may see bridge: derived data never reveals what
// social.friends would answer NOT_FOUND for (a private friend's friends).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { accountVisibleSql, profileContentVisibleSql } from "../visibility/visibility";

export interface Suggestion {
  id: string;
  username: string;
  displayName: string | null;
  mutualFriends: number;
}

export async function suggestions(db: DbOrTx, userId: string, input: { cursor?: string; limit: number }): Promise<Page<Suggestion>> {
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<{ id: string; username: string; display_name: string | null; mutual: number }>(db, sql`
    WITH friends AS (
      -- A friend bridges (and counts as a mutual friend) only if the caller may read their friend
      -- list, i.e. social.friends of them would answer: the friend is visible to the caller (active,
      -- no block either way) and so is their profile content (public, or followers-only: a friend
      -- is followed by definition; never private). The caller has a few hundred friends at most,
      -- so these are per-friend index probes before the fan-out, not per candidate.
      SELECT fr.id FROM (
        SELECT user_id_2 AS id FROM friendships WHERE user_id_1 = ${userId}
        UNION ALL
        SELECT user_id_1 FROM friendships WHERE user_id_2 = ${userId}
      ) fr JOIN users fu ON fu.id = fr.id JOIN user_profiles fp ON fp.user_id = fr.id
      WHERE ${accountVisibleSql(sql`fr.id`, sql`fu.status`, userId)}
        AND ${profileContentVisibleSql(sql`fr.id`, sql`fp.visibility`, userId)}
    ),
    fof AS (
      SELECT f.user_id_2 AS candidate FROM friends x JOIN friendships f ON f.user_id_1 = x.id
      UNION ALL
      SELECT f.user_id_1 FROM friends x JOIN friendships f ON f.user_id_2 = x.id
    ),
    ranked AS (
      SELECT candidate, count(*)::int AS mutual FROM fof WHERE candidate <> ${userId} GROUP BY candidate
    ),
    -- Filter and rank on ids with hashed sets (inactive accounts, the caller's follows and blocks),
    -- then look up names for the page only.
    top AS (
      SELECT r.candidate, r.mutual FROM ranked r
      WHERE r.candidate NOT IN (SELECT id FROM users WHERE status <> 'active')
        AND r.candidate NOT IN (SELECT following_id FROM user_follows WHERE follower_id = ${userId})
        AND r.candidate NOT IN (SELECT target_id FROM follow_requests WHERE requester_id = ${userId})
        AND r.candidate NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = ${userId})
        AND r.candidate NOT IN (SELECT blocker_id FROM user_blocks WHERE blocked_id = ${userId})
        ${after ? sql`AND (r.mutual, -r.candidate) < (${Number(after[0])}, -${String(after[1])}::bigint)` : sql``}
      ORDER BY r.mutual DESC, r.candidate ASC
      LIMIT ${input.limit + 1}
    )
    SELECT u.id, u.username, pr.display_name, t.mutual
    FROM top t JOIN users u ON u.id = t.candidate JOIN user_profiles pr ON pr.user_id = u.id
    ORDER BY t.mutual DESC, t.candidate ASC`);
  return toPage(
    rows,
    input.limit,
    (r) => ({ id: r.id, username: r.username, displayName: r.display_name, mutualFriends: r.mutual }),
    (r) => [r.mutual, r.id],
  );
}
