// Live delivery of messaging events (message.onEvent, served as server-sent events).
// Fan-out: every event is published after its transaction commits to the per-user channel
// `message:user:<id>` of each recipient (participants who may see the actor, the actor included),
// through ctx.deps.pubsub — Redis pub/sub when REDIS_URL is set, so a subscriber connected to any
// server process receives it. Authorization is therefore decided when publishing: a subscriber
// only ever listens to its own channel.
// Resumption: message events carry their message id as the SSE event id (tRPC `tracked`). A
// client reconnecting with lastEventId first gets the messages of its conversations with a larger
// id from the database, then the live stream; read and delete events are not replayed (they are
// state a client re-reads with message.conversations / message.history). The `ready` event is
// tracked too, so a client that got no message yet also resumes without a gap.
// Shutdown: a draining server (src/server.ts drain) calls endMessageStreams; every open stream sends
// `reconnect` and ends *without* tRPC's `return` event (it ends as an abort). A `return` makes
// httpSubscriptionLink close its EventSource for good; a stream that just ends is a dropped
// connection to EventSource, which reconnects by itself — through the load balancer to a process
// that is not draining — resuming from the last event id, so nothing is lost across a deploy.
// The subscribe / resync / keepalive / session re-check / shutdown loop is shared with
// notification.onEvent: src/modules/events/live-stream.ts. What is messaging's own is here.
import { sql } from "drizzle-orm";
import { tracked } from "@trpc/server";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import type { Logger } from "../../lib/logger";
import type { PubSub } from "../../lib/pubsub";
import { liveStream, replayRows, streamRegistry, type ControlEvent, type StreamRequest } from "../events/live-stream";
import { messagesSince, type MessageView } from "./message.service";

export type MessageEvent =
  /**
   * The stream is live (and any replay is done): everything sent from now on arrives. Tracked
   * with the newest message id of the caller's conversations, so even a client that has not
   * received a message yet resumes from here after a dropped connection.
   */
  | { type: "ready" }
  /** Sent every KEEPALIVE_MS while idle, so no proxy or server idle timeout closes the stream; ignore it. */
  | { type: "keepalive" }
  | { type: "message"; conversationId: string; message: MessageView }
  | { type: "read"; conversationId: string; userId: string; lastReadMessageId: string; readAt: string }
  | { type: "deleted"; conversationId: string; messageId: string }
  /**
   * Events may have been missed: replay stopped at REPLAY_MAX messages, or the live feed was
   * interrupted (Redis pub/sub reconnected, or the stream could not subscribe yet and now has).
   * Reload conversations and history — or reconnect with the last event id, which replays every
   * message since it.
   */
  | { type: "resync" }
  /**
   * The last event of a stream whose server is shutting down: the stream ends right after it and
   * the client's EventSource reconnects (to another process), resuming from the last event id.
   * Nothing to do but let it; a client may show "reconnecting".
   */
  | { type: "reconnect" };

type LiveEvent = Exclude<MessageEvent, ControlEvent>;

// The shared limits, still importable from here.
export { KEEPALIVE_MS, REPLAY_MAX, RESUBSCRIBE_MS } from "../events/live-stream";

const openStreams = streamRegistry();

/**
 * Ends every open stream of the server owning `pubsub` (it is draining): each sends `reconnect`
 * and ends within a moment. Returns how many were open.
 */
export function endMessageStreams(pubsub: PubSub): number {
  return openStreams.endAll(pubsub);
}

export const userChannel = (userId: string) => `message:user:${userId}`;

/** Publishes to each recipient's channel. A failure is logged, not thrown: the write has committed and replay covers it. */
export async function publishToUsers(pubsub: PubSub, log: Logger, userIds: string[], event: LiveEvent): Promise<void> {
  const results = await Promise.allSettled([...new Set(userIds)].map((id) => pubsub.publish(userChannel(id), event)));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length) log.warn({ err: (failed[0] as PromiseRejectedResult).reason, failed: failed.length }, "message event publish failed");
}

/** The newest message id of the caller's conversations (0 when none), from the participant rows. */
async function latestMessageId(db: Db, userId: string): Promise<string> {
  const row = await one<{ id: string }>(db, sql`
    SELECT COALESCE(max(last_message_id), 0)::text AS id FROM conversation_participants WHERE user_id = ${userId}`);
  return row!.id;
}

/**
 * The caller's event stream (the loop is liveStream's, src/modules/events/live-stream.ts). It is
 * subscribed to the caller's channel before replaying, so nothing sent during the replay is lost;
 * live messages already replayed are skipped by id.
 */
export function messageEvents(req: StreamRequest) {
  const { db, userId, lastEventId } = req;
  let seenUpTo = 0n;
  return liveStream<LiveEvent, MessageEvent>(req, {
    channel: userChannel(userId),
    name: "message stream",
    registry: openStreams,
    async *begin() {
      let resumeFrom: string;
      if (lastEventId) {
        const after = yield* replayRows(
          (after, limit) => messagesSince(db, userId, after, limit),
          lastEventId,
          (m): MessageEvent => ({ type: "message", conversationId: m.conversationId, message: m }),
        );
        seenUpTo = BigInt(after);
        resumeFrom = after;
      } else {
        // Live messages are not skipped by this id (ids of different conversations do not commit in
        // order); it only says where a reconnection resumes.
        resumeFrom = await latestMessageId(db, userId);
      }
      yield tracked(resumeFrom, { type: "ready" } as MessageEvent);
    },
    deliver(event) {
      if (event.type !== "message") return event;
      if (BigInt(event.message.id) <= seenUpTo) return null;
      return tracked(event.message.id, event as MessageEvent);
    },
  });
}
