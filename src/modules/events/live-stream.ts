// The machinery every live SSE stream shares (message.onEvent in message/message.events.ts,
// notification.onEvent in notification/notification.events.ts): subscribing to the caller's pub/sub
// channel (retrying while Redis is unavailable), `resync` after a pub/sub interruption, keepalives,
// the periodic session re-check, and the drain ending (`reconnect`, then an AbortError).
// Here, next to the domain events (events.ts), rather than in src/lib: it reads the sessions table
// and speaks tRPC (`tracked`, TRPCError), which src/lib's infrastructure code does not. What each
// stream owns stays in its file: its event types, its channel, what it watches besides the channel,
// its replay query, how queued items become events and which are dropped as already sent.
//
// Rules, for both streams (their header comments say what each means for its client):
// - Subscribe (to the channel, and whatever `begin` watches) before replaying, so nothing
//   published during the replay is lost; the stream-specific `deliver` drops what was replayed.
// - The stream opens even when SUBSCRIBE fails (Redis down): it retries every RESUBSCRIBE_MS and
//   sends one `resync` once subscribed. A pub/sub reconnection also means `resync`; several
//   interruptions before the client reads one are one `resync`.
// - Drain: endStreams(pubsub) makes each open stream send `reconnect` and then throw an AbortError.
//   That ends tRPC's SSE response *without* its `return` event: a `return` makes
//   httpSubscriptionLink close its EventSource for good, while a stream that just ends is a dropped
//   connection, which EventSource reconnects by itself (through the load balancer, to a process
//   that is not draining) with the last event id.
import { sql } from "drizzle-orm";
import { tracked, TRPCError, type TrackedEnvelope } from "@trpc/server";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import type { Logger } from "../../lib/logger";
import type { PubSub } from "../../lib/pubsub";

/** Events every live stream sends besides its own. */
export type ControlEvent = { type: "ready" } | { type: "keepalive" } | { type: "resync" } | { type: "reconnect" };
/** What a stream yields: an event, or a tracked one (its SSE id is where a reconnection resumes). */
export type StreamOutput<E> = E | TrackedEnvelope<E>;

export const REPLAY_BATCH = 200;
/** Replay stops after about this many rows, with `resync`: the client reloads instead. */
export const REPLAY_MAX = 1_000;
/** How often an open stream re-checks its session (logout, revocation, suspension end it). */
export const SESSION_RECHECK_MS = 30_000;
/** While the stream could not subscribe (Redis unavailable), how often it tries again. */
export const RESUBSCRIBE_MS = 1_000;
/**
 * Bun.serve closes a connection after 10 s without bytes (its default idleTimeout), streaming
 * responses included. tRPC's own `sse.ping` (initTRPC.create) would do this as SSE comments;
 * until it is enabled there, the stream sends a keepalive event.
 */
export const KEEPALIVE_MS = 5_000;

/**
 * The open streams of one kind, per server (keyed by its pubsub: tests run several servers in one
 * process). One registry per kind, so each kind's drain function counts only its own.
 */
export function streamRegistry() {
  const open = new WeakMap<PubSub, Set<() => void>>();
  return {
    add(pubsub: PubSub, end: () => void): () => void {
      let streams = open.get(pubsub);
      if (!streams) open.set(pubsub, (streams = new Set()));
      streams.add(end);
      const set = streams;
      return () => void set.delete(end);
    },
    /** Ends every open stream of the server owning `pubsub` (it is draining); returns how many were open. */
    endAll(pubsub: PubSub): number {
      const streams = open.get(pubsub);
      if (!streams) return 0;
      for (const end of [...streams]) end();
      return streams.size;
    },
  };
}
export type StreamRegistry = ReturnType<typeof streamRegistry>;

async function sessionAlive(db: Db, sessionId: string): Promise<boolean> {
  const row = await one<{ ok: number }>(db, sql`
    SELECT 1 AS ok FROM sessions s JOIN users u ON u.id = s.user_id
    WHERE s.id = ${sessionId} AND s.revoked_at IS NULL AND s.expires_at > NOW() AND u.status = 'active'`);
  return Boolean(row);
}

/**
 * Replays rows after `after` (a keyset page query, ascending ids), each tracked by its own id, in
 * pages of REPLAY_BATCH; past REPLAY_MAX rows it sends `resync` and stops. Returns the id of the
 * last row replayed (`after` when none).
 */
export async function* replayRows<R extends { id: string }, E extends { type: string }>(
  page: (after: string, limit: number) => Promise<R[]>,
  after: string,
  toEvent: (row: R) => E,
): AsyncGenerator<StreamOutput<E>, string, unknown> {
  let total = 0;
  for (;;) {
    const batch = await page(after, REPLAY_BATCH);
    for (const row of batch) yield tracked(row.id, toEvent(row));
    total += batch.length;
    if (batch.length) after = batch[batch.length - 1]!.id;
    if (batch.length < REPLAY_BATCH) break;
    if (total >= REPLAY_MAX) {
      yield { type: "resync" } as unknown as E;
      break;
    }
  }
  return after;
}

/** The request side every stream gets from its subscription procedure. */
export interface StreamRequest {
  db: Db;
  pubsub: PubSub;
  userId: string;
  sessionId: string;
  lastEventId: string | null;
  signal: AbortSignal | undefined;
  log?: Logger;
}

/** The onEvent procedures' common arguments, from the tRPC context (authed) and input. */
export function streamRequest(
  ctx: { db: Db; deps: { pubsub: PubSub }; session: { userId: string; sessionId: string }; log: Logger },
  input: { lastEventId?: string | null } | undefined,
  signal: AbortSignal | undefined,
): StreamRequest {
  return {
    db: ctx.db,
    pubsub: ctx.deps.pubsub,
    userId: ctx.session.userId,
    sessionId: ctx.session.sessionId,
    lastEventId: input?.lastEventId ?? null,
    signal,
    log: ctx.log,
  };
}

/**
 * One live stream. `Q` is what waits in its queue (channel messages, and whatever `begin` pushes);
 * `E` its events, control events included.
 */
export async function* liveStream<Q, E extends { type: string }>(req: StreamRequest, stream: {
  /** The pub/sub channel (the caller's own: authorization was decided when publishing). */
  channel: string;
  /** For the log line of a failed subscribe ("message stream"). */
  name: string;
  registry: StreamRegistry;
  /**
   * Runs once subscribed and registered, inside the stream's lifetime: start watching anything
   * else (push; onClose for its cleanup, run before the channel's unsubscribe), replay, and yield
   * `ready`.
   */
  begin(push: (item: Q) => void, onClose: (cleanup: () => void) => void): AsyncGenerator<StreamOutput<E>, void, unknown>;
  /** A queued item as the event to send, or null to drop it (already sent by the replay). */
  deliver(item: Q): StreamOutput<E> | null;
}): AsyncGenerator<StreamOutput<E>, void, unknown> {
  const { db, pubsub, sessionId, signal, log } = req;
  const control = (type: ControlEvent["type"]) => ({ type }) as unknown as E;
  const queue: Q[] = [];
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  // Resync events are queued as a flag: several interruptions before the client reads one are one.
  let resyncDue = false;
  const push = (item: Q) => {
    queue.push(item);
    poke();
  };
  const onMessage = (message: unknown) => push(message as Q);
  // The subscription exists only once SUBSCRIBE succeeded (src/lib/pubsub.ts). Redis unavailable:
  // the stream still opens (replay, ready, keepalives), retries every RESUBSCRIBE_MS and sends
  // `resync` once subscribed — what was published meanwhile is then fetched by the client.
  let unsubscribe: (() => Promise<void>) | null = null;
  const trySubscribe = async (): Promise<boolean> => {
    try {
      unsubscribe = await pubsub.subscribe(stream.channel, onMessage);
      return true;
    } catch (error) {
      log?.debug({ err: error }, `${stream.name}: subscribe failed, retrying`);
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
  const unregister = stream.registry.add(pubsub, () => {
    ending = true;
    poke();
  });
  const cleanups: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    yield* stream.begin(push, (cleanup) => void cleanups.push(cleanup));
    let nextCheck = Date.now() + SESSION_RECHECK_MS;
    let nextKeepalive = Date.now() + KEEPALIVE_MS;
    while (!signal?.aborted) {
      if (ending) {
        yield control("reconnect");
        // An AbortError ends tRPC's SSE response without its `return` event (see the top comment).
        throw new DOMException("server shutting down", "AbortError");
      }
      if (!unsubscribe && Date.now() >= nextSubscribe) {
        if (await trySubscribe()) resyncDue = true;
        nextSubscribe = Date.now() + RESUBSCRIBE_MS;
      }
      if (resyncDue) {
        resyncDue = false;
        yield control("resync");
        nextKeepalive = Date.now() + KEEPALIVE_MS;
      }
      while (queue.length) {
        const out = stream.deliver(queue.shift()!);
        if (out === null) continue;
        yield out;
        nextKeepalive = Date.now() + KEEPALIVE_MS;
      }
      if (Date.now() >= nextKeepalive) {
        yield control("keepalive");
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
    unregister();
    signal?.removeEventListener("abort", poke);
    offReconnect();
    for (const cleanup of cleanups) cleanup();
    await (unsubscribe as (() => Promise<void>) | null)?.();
  }
}
