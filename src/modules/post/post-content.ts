// Tags, mentions and rendered HTML of a post, kept in step with its content inside the writing
// transaction. Mentions notify when (and only when) the post is published and the mentioned
// account may see it.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { many } from "../../db/query";
import { notify } from "../notification/notification.service";
import { extractMentions, extractTags, renderContentHtml } from "./post.render";
import { MAX_TAGS } from "./post.schema";

/** Active accounts among the mentioned usernames (case-insensitive), excluding the author. */
export async function resolveMentions(db: DbOrTx, authorId: string, content: string | null): Promise<{ id: string; username: string }[]> {
  const names = extractMentions(content).map((n) => n.toLowerCase()).slice(0, 50);
  if (names.length === 0) return [];
  return many<{ id: string; username: string }>(db, sql`
    SELECT id, username FROM users
    WHERE LOWER(username) IN (${sql.join(names.map((n) => sql`${n}`), sql`, `)}) AND status = 'active' AND id <> ${authorId}`);
}

/**
 * Rewrites content_html, post_tags and post_mentions from the content (plus explicit tags).
 * Returns the accounts newly mentioned by this write.
 */
export async function syncPostContent(
  db: DbOrTx,
  post: { id: string; userId: string; content: string | null; explicitTags?: string[] },
): Promise<string[]> {
  const mentioned = await resolveMentions(db, post.userId, post.content);
  const html = renderContentHtml(post.content, new Set(mentioned.map((m) => m.username.toLowerCase())));
  await db.execute(sql`UPDATE posts SET content_html = ${html} WHERE id = ${post.id}`);

  const tags = [...new Set([...(post.explicitTags ?? []), ...extractTags(post.content)])].slice(0, MAX_TAGS);
  await db.execute(sql`DELETE FROM post_tags WHERE post_id = ${post.id}
    ${tags.length ? sql`AND tag NOT IN (${sql.join(tags.map((t) => sql`${t}`), sql`, `)})` : sql``}`);
  for (const tag of tags) {
    await db.execute(sql`INSERT INTO post_tags (post_id, tag) VALUES (${post.id}, ${tag}) ON CONFLICT DO NOTHING`);
  }

  const ids = mentioned.map((m) => m.id);
  await db.execute(sql`DELETE FROM post_mentions WHERE post_id = ${post.id}
    ${ids.length ? sql`AND mentioned_user_id NOT IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})` : sql``}`);
  const added: string[] = [];
  for (const id of ids) {
    const rows = await many<{ id: string }>(db, sql`
      INSERT INTO post_mentions (post_id, mentioned_user_id) VALUES (${post.id}, ${id}) ON CONFLICT DO NOTHING
      RETURNING mentioned_user_id AS id`);
    if (rows.length) added.push(id);
  }
  return added;
}

/**
 * Sends mention notifications for a published post (to `only` when given, else to every mention),
 * once per post and account ever: each recipient is first claimed in post_mention_notifications
 * (0054), which outlives the post_mentions row, so editing a mention out and back in does not
 * notify again. A claim is released when notify() declines (muted, blocked, post not visible), so
 * a mention that never reached its account may still notify after a later edit.
 */
export async function notifyMentions(db: DbOrTx, post: { id: string; userId: string; content: string | null }, only?: string[]): Promise<number> {
  const recipients = only ?? (await many<{ id: string }>(db, sql`
    SELECT mentioned_user_id AS id FROM post_mentions WHERE post_id = ${post.id}`)).map((r) => r.id);
  let sent = 0;
  for (const recipientId of recipients) {
    const claimed = await many<{ user_id: string }>(db, sql`
      INSERT INTO post_mention_notifications (post_id, user_id) VALUES (${post.id}, ${recipientId})
      ON CONFLICT DO NOTHING RETURNING user_id`);
    if (!claimed.length) continue;
    const created = await notify(db, {
      recipientId, actorId: post.userId, type: "mention", postId: post.id, content: post.content, requirePostVisible: true,
    });
    if (created) sent++;
    else await db.execute(sql`DELETE FROM post_mention_notifications WHERE post_id = ${post.id} AND user_id = ${recipientId}`);
  }
  return sent;
}
