// Creating and reading notifications. The rules live in one INSERT … SELECT: never to yourself,
// never from or to an inactive account, never across a block, never from an actor the recipient
// muted; likes and reposts notify once per actor and post (a partial unique index), follows once
// per actor and recipient per 24 hours (FOLLOW_NOTIFICATION_WINDOW), and a mention only reaches
// someone who may see the post (once per post and account ever: post-content.ts).
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { anyBigint, iso, many, one } from "../../db/query";
import { decodeCursor, toPage, type Page } from "../../lib/pagination";
import { postVisibleSql, VISIBLE_POST_FROM } from "../visibility/post-visibility";

export type { NotificationType } from "./notification.constants";
import type { ActorlessType, NotificationType } from "./notification.constants";

export const TITLE_SUFFIX: Record<Exclude<NotificationType, ActorlessType>, string> = {
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
  quote: " quoted your post",
};

export interface NotifyParams {
  recipientId: string;
  actorId: string;
  type: Exclude<NotificationType, ActorlessType>;
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

/**
 * A notification with no actor about the recipient's own things (a poll that ended, an export
 * that is ready), to an active account only (notifySystem also reaches a suspended one: it tells
 * them why). Returns whether one was created.
 */
export async function notifyAccount(
  db: DbOrTx,
  p: { recipientId: string; type: Exclude<ActorlessType, "system">; title: string; content?: string | null; actionUrl?: string | null; postId?: string | null },
): Promise<boolean> {
  const rows = await many<{ id: string }>(db, sql`
    INSERT INTO notifications (user_id, type, post_id, title, content, action_url)
    SELECT id, ${p.type}::notification_type, ${p.postId ?? null}::bigint, ${p.title}, ${p.content?.slice(0, 280) ?? null},
           ${p.actionUrl ?? (p.postId ? `/posts/${p.postId}` : null)}
    FROM users WHERE id = ${p.recipientId} AND status = 'active'
    RETURNING id`);
  return rows.length > 0;
}

export interface NotificationRow {
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

const NOTIFICATION_COLUMNS = sql`
  n.id, n.type, n.title, n.content, n.action_url, n.is_read, n.read_at, n.created_at, n.post_id, n.comment_id,
  n.actor_id, a.username AS actor_username, ap.display_name AS actor_display_name`;
const NOTIFICATION_FROM = sql`
  notifications n
  LEFT JOIN users a ON a.id = n.actor_id
  LEFT JOIN user_profiles ap ON ap.user_id = n.actor_id`;

/**
 * What a notification may still show its recipient (`recipient`: a parameter, or n.user_id when
 * one query serves many recipients): no actor (system), or an active actor with no block either
 * way. Every read — the list, the live stream and its replay, the groups — applies this one rule.
 */
export function visibleNotificationSql(recipient: SQL) {
  return sql`(n.actor_id IS NULL OR (a.status = 'active' AND NOT EXISTS (
    SELECT 1 FROM user_blocks b WHERE (b.blocker_id = ${recipient} AND b.blocked_id = n.actor_id)
                                 OR (b.blocker_id = n.actor_id AND b.blocked_id = ${recipient}))))`;
}

/** Newest first; actors who since became inactive or blocked are hidden. */
export async function listNotifications(
  db: DbOrTx,
  userId: string,
  input: { cursor?: string; limit: number; unreadOnly?: boolean },
): Promise<Page<NotificationView>> {
  const after = decodeCursor(input.cursor, 2);
  const rows = await many<NotificationRow>(db, sql`
    SELECT ${NOTIFICATION_COLUMNS}
    FROM ${NOTIFICATION_FROM}
    WHERE n.user_id = ${userId}
      ${input.unreadOnly ? sql`AND n.is_read = FALSE` : sql``}
      AND ${visibleNotificationSql(sql`${userId}`)}
      ${after ? sql`AND (n.created_at, n.id) < (${String(after[0])}::timestamptz, ${String(after[1])}::bigint)` : sql``}
    ORDER BY n.created_at DESC, n.id DESC
    LIMIT ${input.limit + 1}`);
  // The cursor keeps the database's own timestamp text: microseconds survive (ISO would cut them to ms).
  return toPage(rows, input.limit, notificationView, (r) => [r.created_at, r.id]);
}

/** Replay of the live stream: the visible notifications with an id above `afterId`, oldest first. */
export async function notificationsSince(db: DbOrTx, userId: string, afterId: string, limit: number): Promise<NotificationView[]> {
  const rows = await many<NotificationRow>(db, sql`
    SELECT ${NOTIFICATION_COLUMNS}
    FROM ${NOTIFICATION_FROM}
    WHERE n.user_id = ${userId} AND n.id > ${afterId}::bigint AND ${visibleNotificationSql(sql`${userId}`)}
    ORDER BY n.id
    LIMIT ${limit}`);
  return rows.map(notificationView);
}

/** Notifications by id, as notification.list shows them (the caller checked they are the user's and visible). */
export async function listByIds(db: DbOrTx, ids: string[]): Promise<NotificationView[]> {
  if (ids.length === 0) return [];
  const rows = await many<NotificationRow>(db, sql`SELECT ${NOTIFICATION_COLUMNS} FROM ${NOTIFICATION_FROM} WHERE n.id = ${anyBigint(ids)}`);
  return rows.map(notificationView);
}

/** The newest notification id of the user (0 when none): where a fresh stream says it starts. */
export async function latestNotificationId(db: DbOrTx, userId: string): Promise<string> {
  const row = await one<{ id: string }>(db, sql`
    SELECT COALESCE(max(id), 0)::text AS id FROM notifications WHERE user_id = ${userId}`);
  return row!.id;
}

export interface CommittedRow extends NotificationRow {
  user_id: string;
  /** The inserting transaction (xid8 as text); null only for rows older than 0070. */
  xact: string | null;
  /** This row still passes visibleNotificationSql (it is delivered only then). */
  visible: boolean;
}

/**
 * One poll of live delivery (notification.live.ts): for each (user, floor) the rows whose
 * inserting transaction is at or above the floor and that are committed now, and `horizon`, the
 * snapshot's xmin — every transaction below it had finished when this statement ran, so the next
 * poll's floor. Both come from one statement, hence one snapshot. Hidden rows come back too
 * (visible = false) so the caller can tell "seen" from "not yet committed". A null floor means
 * this statement's own horizon: a new subscriber's baseline (what is committed already is replay's).
 */
export async function committedSince(
  db: DbOrTx,
  floors: { userId: string; floor: string | null }[],
): Promise<{ horizon: string; rows: CommittedRow[] }> {
  for (const f of floors) if (!/^\d{1,20}$/.test(f.userId) || (f.floor !== null && !/^\d{1,20}$/.test(f.floor))) throw new Error("bad poll floor");
  const users = `{${floors.map((f) => f.userId).join(",")}}`;
  const xids = `{${floors.map((f) => f.floor ?? "NULL").join(",")}}`;
  const rows = await many<CommittedRow & { horizon: string }>(db, sql`
    WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon)
    SELECT h.horizon, r.* FROM h LEFT JOIN LATERAL (
      SELECT ${NOTIFICATION_COLUMNS}, n.user_id, n.xact::text AS xact, ${visibleNotificationSql(sql`n.user_id`)} AS visible
      FROM unnest(${users}::bigint[], ${xids}::xid8[]) AS f(user_id, floor)
      -- OFFSET 0 keeps this a per-user subquery: one range of notifications_user_xact_idx each. Flattened,
      -- the planner cannot know the floors and may hash-join a scan of the whole table.
      CROSS JOIN LATERAL (
        SELECT * FROM notifications n WHERE n.user_id = f.user_id AND n.xact >= COALESCE(f.floor, h.horizon::xid8) OFFSET 0
      ) n
      LEFT JOIN users a ON a.id = n.actor_id
      LEFT JOIN user_profiles ap ON ap.user_id = n.actor_id
    ) r ON TRUE`);
  return { horizon: rows[0]!.horizon, rows: rows.filter((r) => r.id !== null) };
}

export { notificationView };

/**
 * The actor is still someone the recipient may see: three small hashed sets (inactive accounts,
 * and the recipient's blocks both ways) instead of lookups per notification, so the badge count
 * stays an index range scan.
 */
export function visibleActorSql(userId: string) {
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
