// Cross-process events: Redis pub/sub when Redis (REDIS_URL or REDIS_CLUSTER_NODES) is configured
// (every server process sees every event), an in-process emitter otherwise. Payloads are JSON.
import { EventEmitter } from "node:events";
import type { RedisHandle } from "./redis";

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  /** Rejects (at once while Redis is unavailable) when the message could not be handed to Redis. */
  publish(channel: string, message: unknown): Promise<void>;
  /**
   * Resolves once the subscription is live (SUBSCRIBE acknowledged); rejects, leaving nothing
   * registered, when it could not be made (Redis unavailable): the caller retries.
   */
  subscribe(channel: string, handler: (message: unknown) => void): Promise<Unsubscribe>;
  /**
   * Called after an interruption during which messages may have been lost: the subscriber
   * connection came back (every channel re-subscribed first), or Redis recovered from an outage
   * (a frozen server keeps the connection but drops what was published meanwhile). Subscribers
   * resynchronise (message.onEvent sends `resync`). Returns an unsubscribe.
   */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

export function createPubSub(redis: RedisHandle | null): PubSub {
  if (!redis) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    return {
      async publish(channel, message) {
        const copy = JSON.parse(JSON.stringify(message));
        queueMicrotask(() => emitter.emit(channel, copy));
      },
      async subscribe(channel, handler) {
        emitter.on(channel, handler);
        return async () => void emitter.off(channel, handler);
      },
      onReconnect: () => () => {},
      async close() {
        emitter.removeAllListeners();
      },
    };
  }
  // A subscribed Redis connection can do nothing else: keep one dedicated to SUBSCRIBE.
  // On a Redis Cluster (REDIS_CLUSTER_NODES) this is a second Cluster client, whose subscriptions
  // ioredis keeps on one node of its choosing (re-subscribing elsewhere if that node goes away).
  // Plain PUBLISH/SUBSCRIBE, not sharded SPUBLISH/SSUBSCRIBE, on purpose: a cluster forwards every
  // PUBLISH to all its nodes, so a message published through any node reaches a subscriber on any
  // other, and a per-user channel needs no slot routing. The price is cluster-bus traffic growing
  // with node count × message rate, fine for message events; sharded pub/sub (ioredis
  // `shardedSubscribers`, Redis >= 7) is the move if that traffic ever shows up.
  //
  // Outages: ioredis re-subscribes the channels it knows on reconnect (autoResubscribe); on "ready"
  // after a lost connection we also SUBSCRIBE every channel that has handlers ourselves (idempotent
  // for Redis), and only once that is acknowledged tell the onReconnect listeners — a message
  // published after their resync starts is then delivered live.
  const subscriber = redis.duplicate();
  /** Live subscriptions: a channel is here only once its SUBSCRIBE succeeded. */
  const handlers = new Map<string, Set<(message: unknown) => void>>();
  /** SUBSCRIBEs in flight, joined by concurrent subscribers of the same channel. */
  const pending = new Map<string, Promise<void>>();
  const reconnectListeners = new Set<() => void>();
  let closed = false;
  let lostConnection = false;
  let resyncTimer: ReturnType<typeof setTimeout> | null = null;

  subscriber.on("message", (channel: string, raw: string) => {
    const set = handlers.get(channel);
    if (!set) return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      return;
    }
    for (const h of set) h(message);
  });

  const notify = () => {
    for (const l of [...reconnectListeners]) {
      try {
        l();
      } catch {}
    }
  };
  /** Re-subscribes every live channel, then notifies; retried until it works (coalesced). */
  const resync = (delay = 0) => {
    if (closed || resyncTimer) return;
    resyncTimer = setTimeout(async () => {
      resyncTimer = null;
      if (closed) return;
      const channels = [...handlers.keys()];
      try {
        if (channels.length) await subscriber.subscribe(...channels);
        notify();
      } catch {
        resync(250);
      }
    }, delay);
    resyncTimer.unref?.();
  };
  subscriber.on("close", () => {
    if (!closed) lostConnection = true;
  });
  subscriber.on("ready", () => {
    if (!lostConnection) return;
    lostConnection = false;
    resync();
  });
  // A frozen Redis (or a timed-out PUBLISH) loses messages without the subscriber connection
  // dropping: the handle's recovery resyncs too (a drop and a recovery close together coalesce).
  const offRecover = redis.onRecover(() => resync(50));

  const full = (channel: string) => `${redis.prefix}ps:${channel}`;
  return {
    async publish(channel, message) {
      const payload = JSON.stringify(message);
      await redis.run((c) => c.publish(full(channel), payload));
    },
    async subscribe(channel, handler) {
      const key = full(channel);
      for (;;) {
        const set = handlers.get(key);
        if (set) {
          set.add(handler);
          break;
        }
        const inFlight = pending.get(key);
        if (inFlight) {
          await inFlight; // rejects for everyone waiting: nothing registered
          continue;
        }
        if (!redis.available()) throw new Error("Redis unavailable: cannot subscribe");
        const attempt = (async () => {
          await subscriber.subscribe(key);
          handlers.set(key, new Set());
        })();
        pending.set(key, attempt);
        try {
          await attempt;
        } finally {
          pending.delete(key);
        }
      }
      let done = false;
      return async () => {
        if (done) return;
        done = true;
        const current = handlers.get(key);
        if (!current) return;
        current.delete(handler);
        if (current.size === 0) {
          handlers.delete(key);
          // Down: the channel is dropped at the reconnect's re-subscription anyway (no handlers).
          await subscriber.unsubscribe(key).catch(() => {});
        }
      };
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => void reconnectListeners.delete(listener);
    },
    async close() {
      closed = true;
      offRecover();
      if (resyncTimer) clearTimeout(resyncTimer);
      handlers.clear();
      reconnectListeners.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
