// Live notifications (notification.onEvent, served as server-sent events), modelled on the
// messaging stream (src/modules/message/message.events.ts): same events, same resync and shutdown
// rules.
// - New notifications come from this process's poller of committed rows (notification.live.ts):
//   only committed, never rolled-back rows, whoever inserted them, through the same visibility rule
//   as notification.list. A subscriber only ever watches its own user id.
// - Unread-count changes of notification.markRead / markAllRead / markGroupRead are published
//   after their statement committed to `notification:user:<id>` through ctx.deps.pubsub (Redis
//   pub/sub with REDIS_URL), so every process's streams of that user get them; the poller sends
//   the count itself after new notifications. The event carries the count, never a delta: a lost
//   or duplicated one is corrected by the next.
// - Resumption: notification events carry the highest notification id sent so far as their SSE
//   event id (tRPC `tracked`; the highest, because rows may be delivered out of id order). A
//   client reconnecting with lastEventId (or the Last-Event-ID header) gets the visible
//   notifications with a larger id from the database, at most REPLAY_MAX, then `resync` if there
//   were more. The stream starts watching *before* that replay, so a notification committed
//   meanwhile still arrives; one both replayed and watched is sent once (dropped by id). Known gap,
//   as for messages: a row with a smaller id than the last event id that commits while the client
//   is disconnected is not replayed (the client's next notification.list shows it).
// - `resync` also follows a pub/sub reconnection (unread events may have been lost: re-read the
//   count). Shutdown: endNotificationStreams (src/server.ts drain) sends `reconnect` and ends the
//   stream without tRPC's `return` event, so EventSource reconnects to another process.
import { sql } from "drizzle-orm";
import { tracked, TRPCError } from "@trpc/server";
import type { Db, DbOrTx } from "../../db/client";
import { one } from "../../db/query";
import type { Logger } from "../../lib/logger";
import type { PubSub } from "../../lib/pubsub";
import { pollerFor } from "./notification.live";
import { latestNotificationId, notificationsSince, unreadCount, type NotificationView } from "./notification.service";

export type NotificationEvent =
  /** Live (any replay done); tracked with the newest notification id, so a reconnection resumes from here. */
  | { type: "ready" }
  /** Sent every KEEPALIVE_MS while idle (Bun closes connections silent for 10 s); ignore it. */
  | { type: "keepalive" }
  | { type: "notification"; notification: NotificationView }
  /** The badge: sent once when the stream opens, then on every change (new notification, marked read). */
  | { type: "unread"; count: number; capped: boolean }
  /** Events may have been missed (replay cut at REPLAY_MAX, or pub/sub interrupted): reload the list and the count. */
  | { type: "resync" }
  /** The server is shutting down: the stream ends now and the EventSource reconnects elsewhere. */
  | { type: "reconnect" };

type UnreadEvent = Extract<NotificationEvent, { type: "unread" }>;
type Queued = { type: "notification"; notification: NotificationView } | UnreadEvent;

export const notificationChannel = (userId: string) => `notification:user:${userId}`;

export const REPLAY_MAX = 1_000;
const REPLAY_BATCH = 200;
const SESSION_RECHECK_MS = 30_000;
const RESUBSCRIBE_MS = 1_000;
const KEEPALIVE_MS = 5_000;

const openStreams = new WeakMap<PubSub, Set<() => void>>();

/** Ends every open notification stream of the server owning `pubsub` (draining); returns how many. */
export function endNotificationStreams(pubsub: PubSub): number {
  const streams = openStreams.get(pubsub);
  if (!streams) return 0;
  for (const end of [...streams]) end();
  return streams.size;
}

/**
 * After a committed change of the user's read state: the new count to every stream of the user,
 * on every process. A failure is logged, not thrown (the change has committed; resync covers it).
 */
export async function publishUnread(deps: { db: DbOrTx; pubsub: PubSub; log: Logger }, userId: string): Promise<void> {
  try {
    const count = await unreadCount(deps.db, userId);
    await deps.pubsub.publish(notificationChannel(userId), { type: "unread", ...count } satisfies UnreadEvent);
  } catch (error) {
    deps.log.warn({ err: error }, "notification unread publish failed");
  }
}

async function sessionAlive(db: Db, sessionId: string): Promise<boolean> {
  const row = await one<{ ok: number }>(db, sql`
    SELECT 1 AS ok FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = ${sessionId} AND s.revoked_at IS NULL AND s.expires_at > NOW() AND u.status = 'active'`);
  return Boolean(row);
}

const maxId = (a: string, b: string) => (BigInt(a) >= BigInt(b) ? a : b);

export async function* notificationEvents(opts: {
  db: Db;
  pubsub: PubSub;
  userId: string;
  sessionId: string;
  lastEventId: string | null;
  signal: AbortSignal | undefined;
  log?: Logger;
}) {
  const { db, pubsub, userId, sessionId, lastEventId, signal, log } = opts;
  const queue: Queued[] = [];
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const push = (event: Queued) => {
    queue.push(event);
    poke();
  };
  let resyncDue = false;
  let unsubscribe: (() => Promise<void>) | null = null;
  const trySubscribe = async (): Promise<boolean> => {
    try {
      unsubscribe = await pubsub.subscribe(notificationChannel(userId), (e) => push(e as UnreadEvent));
      return true;
    } catch (error) {
      log?.debug({ err: error }, "notification stream: subscribe failed, retrying");
      return false;
    }
  };
  await trySubscribe();
  let nextSubscribe = Date.now() + RESUBSCRIBE_MS;
  const offReconnect = pubsub.onReconnect(() => {
    if (unsubscribe) resyncDue = true;
    else nextSubscribe = 0;
    poke();
  });
  let unwatch: (() => void) | null = null;
  signal?.addEventListener("abort", poke);
  let ending = false;
  const end = () => {
    ending = true;
    poke();
  };
  let streams = openStreams.get(pubsub);
  if (!streams) openStreams.set(pubsub, (streams = new Set()));
  streams.add(end);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // Watching first, then the replay: nothing committed in between is lost.
    unwatch = await pollerFor(db, log).watch(userId, {
      notification: (notification) => push({ type: "notification", notification }),
      unread: (u) => push({ type: "unread", ...u }),
    });
    const replayed = new Set<string>();
    let highest: string;
    if (lastEventId) {
      let after = lastEventId;
      for (;;) {
        const batch = await notificationsSince(db, userId, after, REPLAY_BATCH);
        for (const n of batch) {
          replayed.add(n.id);
          yield tracked(n.id, { type: "notification", notification: n } as NotificationEvent);
        }
        if (batch.length) after = batch[batch.length - 1]!.id;
        if (batch.length < REPLAY_BATCH) break;
        if (replayed.size >= REPLAY_MAX) {
          yield { type: "resync" } as NotificationEvent;
          break;
        }
      }
      highest = after;
    } else {
      highest = await latestNotificationId(db, userId);
    }
    yield { type: "unread", ...(await unreadCount(db, userId)) } as NotificationEvent;
    yield tracked(highest, { type: "ready" } as NotificationEvent);
    let nextCheck = Date.now() + SESSION_RECHECK_MS;
    let nextKeepalive = Date.now() + KEEPALIVE_MS;
    while (!signal?.aborted) {
      if (ending) {
        yield { type: "reconnect" } as NotificationEvent;
        // An AbortError ends tRPC's SSE response without its `return` event (see message.events.ts).
        throw new DOMException("server shutting down", "AbortError");
      }
      if (!unsubscribe && Date.now() >= nextSubscribe) {
        if (await trySubscribe()) resyncDue = true;
        nextSubscribe = Date.now() + RESUBSCRIBE_MS;
      }
      if (resyncDue) {
        resyncDue = false;
        yield { type: "resync" } as NotificationEvent;
        nextKeepalive = Date.now() + KEEPALIVE_MS;
      }
      while (queue.length) {
        const event = queue.shift()!;
        if (event.type === "notification") {
          if (replayed.has(event.notification.id)) continue;
          highest = maxId(highest, event.notification.id);
          yield tracked(highest, event as NotificationEvent);
        } else {
          yield event as NotificationEvent;
        }
        nextKeepalive = Date.now() + KEEPALIVE_MS;
      }
      if (Date.now() >= nextKeepalive) {
        yield { type: "keepalive" } as NotificationEvent;
        nextKeepalive = Date.now() + KEEPALIVE_MS;
        continue;
      }
      if (Date.now() >= nextCheck) {
        if (!(await sessionAlive(db, sessionId))) throw new TRPCError({ code: "UNAUTHORIZED", message: "Session is invalid or expired" });
        nextCheck = Date.now() + SESSION_RECHECK_MS;
        continue;
      }
      if (signal?.aborted) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        const until = Math.min(nextCheck, nextKeepalive, unsubscribe ? Number.POSITIVE_INFINITY : nextSubscribe);
        timer = setTimeout(poke, Math.max(0, until - Date.now()));
      });
      clearTimeout(timer);
    }
  } finally {
    clearTimeout(timer);
    streams.delete(end);
    signal?.removeEventListener("abort", poke);
    offReconnect();
    (unwatch as (() => void) | null)?.();
    await (unsubscribe as (() => Promise<void>) | null)?.();
  }
}
