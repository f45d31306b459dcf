// The seed's examples of what issue 19 added, written after the main plan so a newcomer running
// `bun run dev` sees each of them: pinned posts, a content warning, a quote post and a poll with
// votes. Plain updates of the plan's own posts in the seed's transaction (the spec's post mix stays
// exact: no posts are added), by username (the seed accounts are fixed).
import type postgres from "postgres";

type Tx = postgres.TransactionSql;

export async function seedPeerFeatures(tx: Tx): Promise<{ pins: number; polls: number; quotes: number; warnings: number }> {
  const id = async (username: string) => (await tx<{ id: string }[]>`SELECT id::text FROM users WHERE username = ${username}`)[0]?.id;
  const [maya, sam, priya, hannah] = await Promise.all(["maya_chen", "sam_okafor", "priya_raman", "hannah_kim"].map(id));
  if (!maya || !sam || !priya || !hannah) return { pins: 0, polls: 0, quotes: 0, warnings: 0 };

  // Maya pins her two most-liked published posts.
  const pins = await tx`
    UPDATE posts SET pinned_at = NOW() - (r.rank || ' minutes')::interval
    FROM (SELECT id, row_number() OVER (ORDER BY likes_count DESC, id) AS rank FROM posts
          WHERE user_id = ${maya} AND status = 'published' AND deleted_at IS NULL ORDER BY likes_count DESC, id LIMIT 2) r
    WHERE posts.id = r.id`;

  // Priya's newest post gets a content warning.
  const warnings = await tx`
    UPDATE posts SET spoiler_text = 'Spoilers: the season finale'
    WHERE id = (SELECT id FROM posts WHERE user_id = ${priya} AND status = 'published' AND deleted_at IS NULL
                ORDER BY published_at DESC LIMIT 1)`;

  // Sam's newest text post quotes Maya's newest post (the spec's post mix stays exact: no new posts).
  const quotes = await tx`
    UPDATE posts SET quote_of_post_id = (SELECT id FROM posts WHERE user_id = ${maya} AND status = 'published' AND deleted_at IS NULL
                                         ORDER BY published_at DESC LIMIT 1)
    WHERE id = (SELECT id FROM posts WHERE user_id = ${sam} AND type IN ('text_short', 'text_long') AND status = 'published' AND deleted_at IS NULL
                ORDER BY published_at DESC LIMIT 1)`;

  // Hannah's newest text post asks a question, open for three days from now, and three others voted.
  const [poll] = await tx<{ id: string }[]>`
    INSERT INTO polls (post_id, options, multiple, duration_seconds, expires_at, option_votes)
    SELECT id, ARRAY['Love it', 'Tell me more', 'Not for me'], FALSE, 259200, NOW() + INTERVAL '3 days', ARRAY[0, 0, 0]
    FROM posts WHERE user_id = ${hannah} AND type IN ('text_short', 'text_long') AND status = 'published' AND deleted_at IS NULL
    ORDER BY published_at DESC LIMIT 1
    RETURNING id::text`;
  if (poll) {
    for (const [voter, choice] of [[maya, 0], [sam, 1], [priya, 0]] as const) {
      await tx`INSERT INTO poll_votes (poll_id, user_id, choices) VALUES (${poll.id}, ${voter}, ARRAY[${choice}]::smallint[])`;
    }
  }
  return { pins: pins.count, polls: poll ? 1 : 0, quotes: quotes.count, warnings: warnings.count };
}
