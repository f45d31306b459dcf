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
import { sql } from "drizzle-orm";
import { tracked, TRPCError } from "@trpc/server";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import type { Logger } from "../../lib/logger";
import type { PubSub } from "../../lib/pubsub";
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

type LiveEvent = Exclude<MessageEvent, { type: "ready" } | { type: "keepalive" } | { type: "resync" } | { type: "reconnect" }>;

/** The open streams of each server (keyed by its pubsub: tests run several servers in one process). */
const openStreams = new WeakMap<PubSub, Set<() => void>>();

/**
 * Ends every open stream of the server owning `pubsub` (it is draining): each sends `reconnect`
 * and ends within a moment. Returns how many were open.
 */
export function endMessageStreams(pubsub: PubSub): number {
  const streams = openStreams.get(pubsub);
  if (!streams) return 0;
  for (const end of [...streams]) end();
  return streams.size;
}

export const userChannel = (userId: string) => `message:user:${userId}`;

const REPLAY_BATCH = 200;
export const REPLAY_MAX = 1_000;
/** How often an open stream re-checks its session (logout, revocation, suspension end it). */
const SESSION_RECHECK_MS = 30_000;
/** While the stream could not subscribe (Redis unavailable), how often it tries again. */
export const RESUBSCRIBE_MS = 1_000;
/**
 * Bun.serve closes a connection after 10 s without bytes (its default idleTimeout), streaming
 * responses included. tRPC's own `sse.ping` (initTRPC.create) would do this as SSE comments;
 * until it is enabled there, the stream sends a keepalive event.
 */
export const KEEPALIVE_MS = 5_000;

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

async function sessionAlive(db: Db, sessionId: string): Promise<boolean> {
  const row = await one<{ ok: number }>(db, sql`
    SELECT 1 AS ok FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = ${sessionId} AND s.revoked_at IS NULL AND s.expires_at > NOW() AND u.status = 'active'`);
  return Boolean(row);
}

/**
 * The caller's event stream. Subscribes to the caller's channel before replaying, so nothing sent
 * during the replay is lost; live messages already replayed are skipped by id.
 */
export async function* messageEvents(opts: {
  db: Db;
  pubsub: PubSub;
  userId: string;
  sessionId: string;
  lastEventId: string | null;
  signal: AbortSignal | undefined;
  log?: Logger;
}) {
  const { db, pubsub, userId, sessionId, lastEventId, signal, log } = opts;
  const queue: LiveEvent[] = [];
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Resync events are queued as a flag: several interruptions before the client reads one are one.
  let resyncDue = false;
  const onEvent = (event: unknown) => {
    queue.push(event as LiveEvent);
    poke();
  };
  // The subscription exists only once SUBSCRIBE succeeded (src/lib/pubsub.ts). Redis unavailable:
  // the stream still opens (replay, ready, keepalives), retries every RESUBSCRIBE_MS and sends
  // `resync` once subscribed — what was published meanwhile is then fetched by the client.
  let unsubscribe: (() => Promise<void>) | null = null;
  const trySubscribe = async (): Promise<boolean> => {
    try {
      unsubscribe = await pubsub.subscribe(userChannel(userId), onEvent);
      return true;
    } catch (error) {
      log?.debug({ err: error }, "message stream: subscribe failed, retrying");
      return false;
    }
  };
  await trySubscribe();
  let nextSubscribe = Date.now() + RESUBSCRIBE_MS;
  const offReconnect = pubsub.onReconnect(() => {
    // Not subscribed yet: try again now; its success sends the one resync.
    if (unsubscribe) resyncDue = true;
    else nextSubscribe = 0;
    poke();
  });
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
    let seenUpTo = 0n;
    let resumeFrom: string;
    if (lastEventId) {
      let after = lastEventId;
      let total = 0;
      for (;;) {
        const batch = await messagesSince(db, userId, after, REPLAY_BATCH);
        for (const m of batch) yield tracked(m.id, { type: "message", conversationId: m.conversationId, message: m } as MessageEvent);
        total += batch.length;
        if (batch.length) after = batch[batch.length - 1]!.id;
        if (batch.length < REPLAY_BATCH) break;
        if (total >= REPLAY_MAX) {
          yield { type: "resync" } as MessageEvent;
          break;
        }
      }
      seenUpTo = BigInt(after);
      resumeFrom = after;
    } else {
      // Live messages are not skipped by this id (ids of different conversations do not commit in
      // order); it only says where a reconnection resumes.
      resumeFrom = await latestMessageId(db, userId);
    }
    yield tracked(resumeFrom, { type: "ready" } as MessageEvent);
    let nextCheck = Date.now() + SESSION_RECHECK_MS;
    let nextKeepalive = Date.now() + KEEPALIVE_MS;
    while (!signal?.aborted) {
      if (ending) {
        yield { type: "reconnect" } as MessageEvent;
        // An AbortError ends tRPC's SSE response without its `return` event (see the top comment).
        throw new DOMException("server shutting down", "AbortError");
      }
      if (!unsubscribe && Date.now() >= nextSubscribe) {
        if (await trySubscribe()) resyncDue = true;
        nextSubscribe = Date.now() + RESUBSCRIBE_MS;
      }
      if (resyncDue) {
        resyncDue = false;
        yield { type: "resync" } as MessageEvent;
        nextKeepalive = Date.now() + KEEPALIVE_MS;
      }
      while (queue.length) {
        const event = queue.shift()!;
        if (event.type === "message") {
          const id = BigInt(event.message.id);
          if (id <= seenUpTo) continue;
          yield tracked(event.message.id, event as MessageEvent);
        } else {
          yield event as MessageEvent;
        }
        nextKeepalive = Date.now() + KEEPALIVE_MS;
      }
      if (Date.now() >= nextKeepalive) {
        yield { type: "keepalive" } as MessageEvent;
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
    await (unsubscribe as (() => Promise<void>) | null)?.();
  }
}
