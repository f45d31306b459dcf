// WAL positions (LSNs) remembered per key: "user U last wrote at LSN x" (read-your-writes) and
// "cache key K was invalidated at LSN y" (cache floors). Shared by every process through Redis when
// configured, else kept in this process. Values only ever rise: a Lua script keeps the larger one,
// so two processes recording out of order never move a floor backwards.
import type { RedisHandle } from "../lib/redis";

/** "16/B374D848" (pg_lsn as text) → a comparable number. */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split("/");
  if (hi === undefined || lo === undefined || !/^[0-9A-Fa-f]{1,8}$/.test(hi) || !/^[0-9A-Fa-f]{1,8}$/.test(lo)) {
    throw new Error(`not an LSN: ${JSON.stringify(text)}`);
  }
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Fixed-width hex, so Redis (Lua string comparison) orders LSNs correctly. */
const encode = (lsn: bigint) => lsn.toString(16).padStart(16, "0");
const decode = (raw: string | null | undefined) => (raw ? BigInt(`0x${raw}`) : 0n);

export interface LsnStore {
  /** Records `lsn` under `key` unless a larger one is there; the record expires after ttlSeconds. */
  raise(key: string, lsn: bigint, ttlSeconds: number): Promise<void>;
  /** The largest LSN recorded under any of `keys` (0 when none). */
  max(keys: readonly string[]): Promise<bigint>;
}

export class MemoryLsnStore implements LsnStore {
  private entries = new Map<string, { lsn: bigint; expires: number }>();

  async raise(key: string, lsn: bigint, ttlSeconds: number): Promise<void> {
    const now = Date.now();
    const current = this.entries.get(key);
    const keep = current && current.expires > now && current.lsn > lsn ? current.lsn : lsn;
    if (this.entries.size > 100_000) this.sweep(now);
    this.entries.set(key, { lsn: keep, expires: now + ttlSeconds * 1000 });
  }

  async max(keys: readonly string[]): Promise<bigint> {
    const now = Date.now();
    let best = 0n;
    for (const key of keys) {
      const entry = this.entries.get(key);
      if (entry && entry.expires > now && entry.lsn > best) best = entry.lsn;
    }
    return best;
  }

  private sweep(now: number) {
    for (const [k, v] of this.entries) if (v.expires <= now) this.entries.delete(k);
  }
}

const RAISE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if (not current) or current < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1`;

/**
 * Redis-backed, degrading with Redis: a raise() Redis cannot take (breaker open, timeout) is kept in
 * this process and written to Redis once it answers again (before any max() is answered from
 * Redis), so no write position or cache floor is lost by an outage. max() fails (the caller then
 * reads from the primary / skips the cache fill: the safe side) while Redis is unavailable or such
 * positions are not written back yet.
 */
export class RedisLsnStore implements LsnStore {
  private unsynced = new Map<string, { lsn: bigint; expires: number }>();
  private syncing: Promise<void> | null = null;

  constructor(private redis: RedisHandle) {
    redis.onRecover(() => void this.sync().catch(() => {}));
  }

  // One key per command (no multi-key MGET), so a Redis Cluster accepts every call.
  private k(key: string) {
    return `${this.redis.prefix}lsn:{${key}}`;
  }

  private write(key: string, lsn: bigint, ttlSeconds: number) {
    return this.redis.run((c) => c.eval(RAISE_SCRIPT, 1, this.k(key), encode(lsn), String(Math.max(1, Math.ceil(ttlSeconds)))));
  }

  async raise(key: string, lsn: bigint, ttlSeconds: number): Promise<void> {
    try {
      await this.write(key, lsn, ttlSeconds);
    } catch {
      const now = Date.now();
      const current = this.unsynced.get(key);
      if (this.unsynced.size > 100_000) for (const [k, v] of this.unsynced) if (v.expires <= now) this.unsynced.delete(k);
      if (!current || current.expires <= now || current.lsn < lsn) this.unsynced.set(key, { lsn, expires: now + ttlSeconds * 1000 });
      else current.expires = Math.max(current.expires, now + ttlSeconds * 1000);
    }
  }

  async max(keys: readonly string[]): Promise<bigint> {
    if (this.unsynced.size) await this.sync();
    const values = await Promise.all(keys.map((key) => this.redis.run((c) => c.get(this.k(key)))));
    let best = 0n;
    for (const raw of values) {
      const lsn = decode(raw);
      if (lsn > best) best = lsn;
    }
    return best;
  }

  /** Writes back the positions raised during an outage; throws while some could not be written. */
  private sync(): Promise<void> {
    this.syncing ??= (async () => {
      const now = Date.now();
      for (const [key, entry] of [...this.unsynced]) {
        if (entry.expires > now) await this.write(key, entry.lsn, (entry.expires - now) / 1000);
        if (this.unsynced.get(key) === entry) this.unsynced.delete(key);
      }
    })().finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }
}

export function createLsnStore(redis: RedisHandle | null): LsnStore {
  return redis ? new RedisLsnStore(redis) : new MemoryLsnStore();
}
