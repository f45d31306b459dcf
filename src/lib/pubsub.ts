// Cross-process events: Redis pub/sub when Redis (REDIS_URL or REDIS_CLUSTER_NODES) is configured
// (every server process sees every event), an in-process emitter otherwise. Payloads are JSON.
import { EventEmitter } from "node:events";
import type { RedisHandle } from "./redis";

export type Unsubscribe = () => Promise<void>;

export interface PubSub {
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, handler: (message: unknown) => void): Promise<Unsubscribe>;
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
  const subscriber = redis.duplicate();
  const handlers = new Map<string, Set<(message: unknown) => void>>();
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
  const full = (channel: string) => `${redis.prefix}ps:${channel}`;
  return {
    async publish(channel, message) {
      await redis.client.publish(full(channel), JSON.stringify(message));
    },
    async subscribe(channel, handler) {
      const key = full(channel);
      let set = handlers.get(key);
      if (!set) {
        set = new Set();
        handlers.set(key, set);
        await subscriber.subscribe(key);
      }
      set.add(handler);
      return async () => {
        const current = handlers.get(key);
        if (!current) return;
        current.delete(handler);
        if (current.size === 0) {
          handlers.delete(key);
          await subscriber.unsubscribe(key);
        }
      };
    },
    async close() {
      handlers.clear();
      await subscriber.quit().catch(() => subscriber.disconnect());
    },
  };
}
