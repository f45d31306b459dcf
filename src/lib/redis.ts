// Redis when REDIS_URL is set; otherwise every Redis-backed facility (cache, rate limits, pub/sub)
// falls back to an in-process implementation. Callers hold `RedisHandle | null`.
import Redis from "ioredis";

export interface RedisHandle {
  client: Redis;
  prefix: string;
  close(): Promise<void>;
}

export function connectRedis(url: string, prefix: string): RedisHandle {
  const client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  return {
    client,
    prefix,
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
