// A small JSON cache: Redis when configured, else an in-process map with TTLs. Keys are namespaced
// by the caller; a viewer-specific result must carry the viewer id in its key.
import { keySlot, type RedisHandle } from "./redis";

export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /** Bumps a version counter; keys built with `version()` change, so old entries are never read. */
  bump(key: string): Promise<number>;
  /** bump() for many keys in one round trip (fan-out invalidation). */
  bumpMany(keys: string[]): Promise<void>;
  version(key: string): Promise<number>;
}

export class MemoryCache implements Cache {
  private entries = new Map<string, { value: string; expires: number }>();
  private versions = new Map<string, number>();

  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.value) as T;
  }
  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    if (this.entries.size > 50_000) this.sweep();
    this.entries.set(key, { value: JSON.stringify(value), expires: Date.now() + ttlSeconds * 1000 });
  }
  async del(...keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
  }
  async bump(key: string): Promise<number> {
    const next = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, next);
    return next;
  }
  async bumpMany(keys: string[]): Promise<void> {
    for (const k of keys) await this.bump(k);
  }
  async version(key: string): Promise<number> {
    return this.versions.get(key) ?? 0;
  }
  private sweep() {
    const now = Date.now();
    for (const [k, v] of this.entries) if (v.expires <= now) this.entries.delete(k);
  }
}

/** Most commands in flight for one del/bumpMany call (a fan-out to 100k followers goes in waves). */
const BATCH = 5_000;
/**
 * On a cluster a wave is one command or pipeline per slot, each with its own reply: every one must
 * come back within REDIS_COMMAND_TIMEOUT_MS of being sent, client-side work for the whole wave
 * included (measured ~0.1 ms a command), so waves are smaller there.
 */
const CLUSTER_BATCH = 500;
/** How stale a process' idea of the cache epoch may be (another process bumped it after an outage). */
const EPOCH_REFRESH_MS = 1_000;

/**
 * The Redis cache, degrading to "no cache" while Redis is unavailable (RedisHandle's breaker): reads
 * miss (the caller reads PostgreSQL), sets are skipped, invalidations are dropped — never an error.
 *
 * A dropped invalidation (del/bump/bumpMany during an outage, here or in another process) would let
 * an entry written before the outage be read after it. So every value key carries the cache
 * *epoch* (`<prefix>cache:epoch`, a counter): a process that saw Redis unavailable bumps the epoch
 * (INCR) before it uses the cache again, which makes every entry written before the outage
 * unreachable at once (they expire by TTL; nothing is scanned or flushed, which on a cluster would
 * mean every node). Other processes re-read the epoch at most EPOCH_REFRESH_MS apart, and del()
 * reads it fresh. Version counters (`cache:v:…`) are not epoch-scoped: they only ever rise.
 * Epoch 0 (no outage yet) keeps the plain `<prefix>cache:<key>` names.
 */
export class RedisCache implements Cache {
  private epoch: number | null = null;
  private epochReadAt = 0;
  /** Redis was unavailable since the epoch was last bumped or read: bump it before the next use. */
  private dirty = false;
  private pending: Promise<number | null> | null = null;

  constructor(private redis: RedisHandle) {
    // Bump at once on recovery (not at the next request), so the window where another process could
    // still read pre-outage entries is as short as possible.
    redis.onRecover(() => void this.currentEpoch().catch(() => {}));
  }
  private k(key: string) {
    return `${this.redis.prefix}cache:${key}`;
  }
  private ek(key: string, epoch: number) {
    return epoch === 0 ? this.k(key) : `${this.k(key)}#e${epoch}`;
  }
  private get epochKey() {
    return `${this.redis.prefix}cache:epoch`;
  }

  /** The epoch to use now, or null: skip the cache (Redis unavailable, or the bump not done yet). */
  private async currentEpoch(fresh = false): Promise<number | null> {
    if (!this.redis.available()) {
      this.dirty = true;
      return null;
    }
    if (!this.dirty && !fresh && this.epoch !== null && Date.now() - this.epochReadAt < EPOCH_REFRESH_MS) return this.epoch;
    if (this.pending) return this.pending;
    const dirty = this.dirty;
    this.pending = this.redis
      .run<string | number | null>((c) => (dirty ? c.incr(this.epochKey) : c.get(this.epochKey)))
      .then(
        (raw) => {
          this.epoch = Number(raw ?? 0);
          this.epochReadAt = Date.now();
          if (dirty) this.dirty = false;
          return this.dirty ? null : this.epoch;
        },
        () => {
          this.dirty = true;
          return null;
        },
      )
      .finally(() => {
        this.pending = null;
      });
    return this.pending;
  }

  /** Runs a command; on failure (the breaker is open, a timeout) returns `fallback` and marks the epoch dirty. */
  private async attempt<T>(op: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await op();
    } catch {
      this.dirty = true;
      return fallback;
    }
  }

  async get<T>(key: string): Promise<T | undefined> {
    const epoch = await this.currentEpoch();
    if (epoch === null) return undefined;
    const raw = await this.attempt(() => this.redis.run((c) => c.get(this.ek(key, epoch))), null);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }
  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const epoch = await this.currentEpoch();
    if (epoch === null) return;
    const json = JSON.stringify(value);
    await this.attempt(() => this.redis.run((c) => c.set(this.ek(key, epoch), json, "EX", Math.max(1, Math.round(ttlSeconds)))), null);
  }
  async del(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    // Fresh: a stale epoch here would leave the entry another process wrote under the new one.
    const epoch = await this.currentEpoch(true);
    if (epoch === null) return void (this.dirty = true);
    const full = keys.map((k) => this.ek(k, epoch));
    await this.attempt(async () => {
      if (this.redis.mode === "single") {
        for (let i = 0; i < full.length; i += BATCH) await this.redis.run((c) => c.del(...full.slice(i, i + BATCH)));
        return;
      }
      // A multi-key DEL across slots is CROSSSLOT on a cluster: one DEL per slot, all in flight at once.
      for (const wave of slotWaves(full)) await Promise.all(wave.map((group) => this.redis.run((c) => c.del(...group))));
    }, undefined);
  }
  async bump(key: string): Promise<number> {
    if (!this.redis.available()) {
      this.dirty = true;
      return 0;
    }
    return this.attempt(() => this.redis.run((c) => c.incr(this.k(`v:${key}`))), 0);
  }
  async bumpMany(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (!this.redis.available()) return void (this.dirty = true);
    const full = keys.map((k) => this.k(`v:${k}`));
    await this.attempt(async () => {
      if (this.redis.mode === "single") {
        for (let i = 0; i < full.length; i += BATCH) {
          const pipeline = this.redis.client.pipeline();
          for (const key of full.slice(i, i + BATCH)) pipeline.incr(key);
          throwFirstError(await this.redis.run(() => pipeline.exec()));
        }
        return;
      }
      // A cluster pipeline must stay in one slot (a follower fan-out spans them all): one pipeline per
      // slot, a plain INCR for a slot with one key, every one of them in flight together — ioredis
      // writes them back to back on each node's connection, so it is still about one round trip per
      // node. MOVED/ASK during a resharding are followed by ioredis per command / per pipeline.
      for (const wave of slotWaves(full)) {
        await Promise.all(
          wave.map(async (group) => {
            if (group.length === 1) return void (await this.redis.run((c) => c.incr(group[0]!)));
            const pipeline = this.redis.client.pipeline();
            for (const key of group) pipeline.incr(key);
            throwFirstError(await this.redis.run(() => pipeline.exec()));
          }),
        );
      }
    }, undefined);
  }
  async version(key: string): Promise<number> {
    // Unreadable: a version no entry is stored under (the caller's get misses, its set is skipped
    // or lands under a key nobody reads again).
    const unknown = -1 - Math.floor(Math.random() * 2 ** 40);
    if (!this.redis.available()) {
      this.dirty = true;
      return unknown;
    }
    return this.attempt(async () => Number((await this.redis.run((c) => c.get(this.k(`v:${key}`)))) ?? 0), unknown);
  }
}

/** Keys grouped by hash slot, the groups in waves of at most `batch` keys (a group is never split). */
function slotWaves(keys: string[], batch = CLUSTER_BATCH): string[][][] {
  const bySlot = new Map<number, string[]>();
  for (const key of new Set(keys)) {
    const slot = keySlot(key);
    const group = bySlot.get(slot);
    if (group) group.push(key);
    else bySlot.set(slot, [key]);
  }
  const waves: string[][][] = [];
  let wave: string[][] = [];
  let size = 0;
  for (const group of bySlot.values()) {
    if (size && size + group.length > batch) {
      waves.push(wave);
      wave = [];
      size = 0;
    }
    wave.push(group);
    size += group.length;
  }
  if (wave.length) waves.push(wave);
  return waves;
}

/** pipeline.exec() resolves with per-command errors instead of rejecting: surface them. */
function throwFirstError(results: [Error | null, unknown][] | null): void {
  if (!results) throw new Error("Redis pipeline aborted");
  for (const [err] of results) if (err) throw err;
}

/** Caches nothing (CACHE=off): every read goes to the database. */
export class NullCache implements Cache {
  async get<T>(): Promise<T | undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
  async del(): Promise<void> {}
  async bump(): Promise<number> {
    return 0;
  }
  async bumpMany(): Promise<void> {}
  async version(): Promise<number> {
    return 0;
  }
}

export function createCache(redis: RedisHandle | null, mode: "on" | "off" = "on"): Cache {
  if (mode === "off") return new NullCache();
  return redis ? new RedisCache(redis) : new MemoryCache();
}
