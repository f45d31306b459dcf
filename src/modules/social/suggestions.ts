// social.suggestions: friends of friends, ranked by how many friends the caller shares with them,
// excluding the caller, accounts they already follow, and anyone on either side of a block.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";

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
      -- Only active friends count (and bridge): suspended or deleted accounts vanish from reads.
      SELECT fr.id FROM (
        SELECT user_id_2 AS id FROM friendships WHERE user_id_1 = ${userId}
        UNION ALL
        SELECT user_id_1 FROM friendships WHERE user_id_2 = ${userId}
      ) fr JOIN users fu ON fu.id = fr.id WHERE fu.status = 'active'
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
