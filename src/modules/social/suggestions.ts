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
    )
    SELECT u.id, u.username, pr.display_name, r.mutual
    FROM ranked r JOIN users u ON u.id = r.candidate JOIN user_profiles pr ON pr.user_id = u.id
    WHERE u.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM user_follows f WHERE f.follower_id = ${userId} AND f.following_id = r.candidate)
      AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE (b.blocker_id = ${userId} AND b.blocked_id = r.candidate)
                                                    OR (b.blocker_id = r.candidate AND b.blocked_id = ${userId}))
      ${after ? sql`AND (r.mutual, -u.id) < (${Number(after[0])}, -${String(after[1])}::bigint)` : sql``}
    ORDER BY r.mutual DESC, u.id ASC
    LIMIT ${input.limit + 1}`);
  return toPage(
    rows,
    input.limit,
    (r) => ({ id: r.id, username: r.username, displayName: r.display_name, mutualFriends: r.mutual }),
    (r) => [r.mutual, r.id],
  );
}
