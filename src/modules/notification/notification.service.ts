// Creating and reading notifications. The rules live in one INSERT … SELECT: never to yourself,
// never from or to an inactive account, never across a block, never from an actor the recipient
// muted; likes and reposts notify once per actor and post (a partial unique index), follows once
// per actor and recipient per 24 hours (FOLLOW_NOTIFICATION_WINDOW), and a mention only reaches
// someone who may see the post (once per post and account ever: post-content.ts).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { postVisibleSql, VISIBLE_POST_FROM } from "../visibility/post-visibility";

export type { NotificationType } from "./notification.constants";
import type { NotificationType } from "./notification.constants";

const TITLE_SUFFIX: Record<Exclude<NotificationType, "system">, string> = {
  follow: " followed you",
  friend: " followed you back: you are now friends",
  like: " liked your post",
  comment: " commented on your post",
  reply: " replied to your comment",
  repost: " reposted your post",
  mention: " mentioned you",
  message: " sent you a message",
  follow_request: " asked to follow you",
  follow_approved: " approved your follow request",
};

export interface NotifyParams {
  recipientId: string;
  actorId: string;
  type: Exclude<NotificationType, "system">;
  postId?: string | null;
  commentId?: string | null;
  /** A short excerpt shown under the title. */
  content?: string | null;
  /** Overrides the default link (e.g. a conversation). */
  actionUrl?: string | null;
  /** Only notify if the recipient may see this post (mentions). */
  requirePostVisible?: boolean;
}

/**
 * A `follow` or `friend` notification is not repeated within this window for the same actor and
 * recipient (either type counts): follow/unfollow toggling notifies once. Checked inside the
 * INSERT … SELECT through notifications_follow_window_idx (0053); concurrent follows of one pair
 * are serialized by the follow itself (the pair lock of the friendship trigger, the unique key).
 */
export const FOLLOW_NOTIFICATION_WINDOW = "24 hours";

/** Returns whether a notification was created. */
export async function notify(db: DbOrTx, n: NotifyParams): Promise<boolean> {
  const postId = n.postId ?? null;
  const commentId = n.commentId ?? null;
  const url =
    n.actionUrl ??
    (postId ? `/posts/${postId}${commentId ? `#comment-${commentId}` : ""}` : null);
  const visibleGuard = n.requirePostVisible && postId
    ? sql`AND EXISTS (SELECT 1 FROM ${VISIBLE_POST_FROM} WHERE p.id = ${postId} AND ${postVisibleSql(n.recipientId)})`
    : sql``;
  const windowGuard = n.type === "follow" || n.type === "friend"
    ? sql`AND NOT EXISTS (SELECT 1 FROM notifications o
                          WHERE o.user_id = r.id AND o.actor_id = a.id AND o.post_id IS NULL
                            AND o.type IN ('follow', 'friend')
                            AND o.created_at > NOW() - ${FOLLOW_NOTIFICATION_WINDOW}::interval)`
    : sql``;
  const rows = await many<{ id: string }>(db, sql`
    INSERT INTO notifications (user_id, type, actor_id, post_id, comment_id, title, content, action_url)
    SELECT r.id, ${n.type}::notification_type, a.id, ${postId}::bigint, ${commentId}::bigint,
           a.username || ${TITLE_SUFFIX[n.type]}, ${n.content?.slice(0, 280) ?? null},
           COALESCE(${url}, '/@' || a.username)
    FROM users a, users r
    WHERE a.id = ${n.actorId} AND r.id = ${n.recipientId} AND a.id <> r.id
      AND a.status = 'active' AND r.status = 'active'
      AND NOT EXISTS (SELECT 1 FROM user_blocks b
                      WHERE (b.blocker_id = r.id AND b.blocked_id = a.id) OR (b.blocker_id = a.id AND b.blocked_id = r.id))
      AND NOT EXISTS (SELECT 1 FROM user_mutes m WHERE m.muter_id = r.id AND m.muted_id = a.id)
      ${visibleGuard}
      ${windowGuard}
    ON CONFLICT DO NOTHING
    RETURNING id`);
  return rows.length > 0;
}

/** A system notification (storage warnings, quota changes): no actor. */
export async function notifySystem(db: DbOrTx, p: { recipientId: string; title: string; content?: string; actionUrl?: string }): Promise<void> {
  await db.execute(sql`
    INSERT INTO notifications (user_id, type, title, content, action_url)
    VALUES (${p.recipientId}, 'system', ${p.title}, ${p.content ?? null}, ${p.actionUrl ?? null})`);
}

interface NotificationRow {
  id: string;
  type: NotificationType;
  title: string;
  content: string | null;
  action_url: string | null;
  is_read: boolean;
  read_at: string | null;
  created_at: string;
  post_id: string | null;
  comment_id: string | null;
  actor_id: string | null;
  actor_username: string | null;
  actor_display_name: string | null;
}

function notificationView(r: NotificationRow) {
  return {
    id: r.id,
    type: r.type,
    title: r.title,
    content: r.content,
    actionUrl: r.action_url,
    isRead: r.is_read,
    readAt: iso(r.read_at),
    createdAt: iso(r.created_at)!,
    postId: r.post_id,
    commentId: r.comment_id,
    actor: r.actor_id ? { id: r.actor_id, username: r.actor_username!, displayName: r.actor_display_name } : null,
  };
}
export type NotificationView = ReturnType<typeof notificationView>;

/** Newest first; actors who since became inactive or blocked are hidden. */
export async function listNotifications(
  db: DbOrTx,
  userId: string,
  input: { cursor?: string; limit: number; unreadOnly?: boolean },
): Promise<Page<NotificationView>> {
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<NotificationRow>(db, sql`
    SELECT n.id, n.type, n.title, n.content, n.action_url, n.is_read, n.read_at, n.created_at, n.post_id, n.comment_id,
           n.actor_id, a.username AS actor_username, ap.display_name AS actor_display_name
    FROM notifications n
    LEFT JOIN users a ON a.id = n.actor_id
    LEFT JOIN user_profiles ap ON ap.user_id = n.actor_id
    WHERE n.user_id = ${userId}
      ${input.unreadOnly ? sql`AND n.is_read = FALSE` : sql``}
      AND (n.actor_id IS NULL OR (a.status = 'active' AND NOT EXISTS (
        SELECT 1 FROM user_blocks b WHERE (b.blocker_id = ${userId} AND b.blocked_id = n.actor_id)
                                     OR (b.blocker_id = n.actor_id AND b.blocked_id = ${userId}))))
      ${after ? sql`AND (n.created_at, n.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY n.created_at DESC, n.id DESC
    LIMIT ${input.limit + 1}`);
  // The cursor keeps the database's own timestamp text: microseconds survive (ISO would cut them to ms).
  return toPage(rows, input.limit, notificationView, (r) => [r.created_at, r.id]);
}

/** Who may still appear in a user's notifications: no actor (system), or an active one with no block either way. */
/**
 * The actor is still someone the recipient may see: three small hashed sets (inactive accounts,
 * and the recipient's blocks both ways) instead of lookups per notification, so the badge count
 * stays an index range scan.
 */
function visibleActorSql(userId: string) {
  return sql`(n.actor_id IS NULL OR (
    n.actor_id NOT IN (SELECT id FROM users WHERE status <> 'active')
    AND n.actor_id NOT IN (SELECT blocked_id FROM user_blocks WHERE blocker_id = ${userId})
    AND n.actor_id NOT IN (SELECT blocker_id FROM user_blocks WHERE blocked_id = ${userId})))`;
}

/**
 * Served by the partial index idx_notifications_user_unread; counting stops at 1,000 ("999+").
 * Counts what notification.list shows: not those of actors since blocked or gone inactive.
 */
export async function unreadCount(db: DbOrTx, userId: string): Promise<{ count: number; capped: boolean }> {
  const row = await one<{ n: number }>(db, sql`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM notifications n WHERE n.user_id = ${userId} AND n.is_read = FALSE AND ${visibleActorSql(userId)} LIMIT 1000) t`);
  return { count: row!.n, capped: row!.n >= 1000 };
}

export async function markRead(db: DbOrTx, userId: string, ids: string[]): Promise<{ updated: number }> {
  const rows = await many<{ id: string }>(db, sql`
    UPDATE notifications SET is_read = TRUE, read_at = NOW()
    WHERE user_id = ${userId} AND is_read = FALSE AND id IN (${sql.join(ids.map((id) => sql`${id}`), sql`, `)})
    RETURNING id`);
  return { updated: rows.length };
}

export async function markAllRead(db: DbOrTx, userId: string): Promise<{ updated: number }> {
  const rows = await many<{ id: string }>(db, sql`
    UPDATE notifications SET is_read = TRUE, read_at = NOW() WHERE user_id = ${userId} AND is_read = FALSE RETURNING id`);
  return { updated: rows.length };
}
