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
// - The subscribe / resync / keepalive / session re-check / shutdown loop is the messaging
//   stream's too: src/modules/events/live-stream.ts. What is this stream's own is here.
import { tracked } from "@trpc/server";
import type { DbOrTx } from "../../db/client";
import type { Logger } from "../../lib/logger";
import type { PubSub } from "../../lib/pubsub";
import { liveStream, replayRows, streamRegistry, type StreamRequest } from "../events/live-stream";
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

// The shared replay cap (tests import it from here).
export { REPLAY_MAX } from "../events/live-stream";

const openStreams = streamRegistry();

/** Ends every open notification stream of the server owning `pubsub` (draining); returns how many. */
export function endNotificationStreams(pubsub: PubSub): number {
  return openStreams.endAll(pubsub);
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

const maxId = (a: string, b: string) => (BigInt(a) >= BigInt(b) ? a : b);

/**
 * The caller's stream (the loop is liveStream's, src/modules/events/live-stream.ts): the channel
 * carries unread counts, the poller new notifications and counts; both are watched before the
 * replay.
 */
export function notificationEvents(req: StreamRequest) {
  const { db, userId, lastEventId, log } = req;
  const replayed = new Set<string>();
  let highest = "0";
  return liveStream<Queued, NotificationEvent>(req, {
    channel: notificationChannel(userId),
    name: "notification stream",
    registry: openStreams,
    async *begin(push, onClose) {
      // Watching first, then the replay: nothing committed in between is lost.
      onClose(await pollerFor(db, log).watch(userId, {
        notification: (notification) => push({ type: "notification", notification }),
        unread: (u) => push({ type: "unread", ...u }),
      }));
      if (lastEventId) {
        // Keyset pages of distinct ids: replayRows' count is the size of `replayed`.
        highest = yield* replayRows(
          (after, limit) => notificationsSince(db, userId, after, limit),
          lastEventId,
          (n): NotificationEvent => (replayed.add(n.id), { type: "notification", notification: n }),
        );
      } else {
        highest = await latestNotificationId(db, userId);
      }
      yield { type: "unread", ...(await unreadCount(db, userId)) } as NotificationEvent;
      yield tracked(highest, { type: "ready" } as NotificationEvent);
    },
    deliver(event) {
      if (event.type !== "notification") return event;
      if (replayed.has(event.notification.id)) return null;
      highest = maxId(highest, event.notification.id);
      return tracked(highest, event as NotificationEvent);
    },
  });
}
