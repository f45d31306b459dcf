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

export class RedisCache implements Cache {
  constructor(private redis: RedisHandle) {}
  private k(key: string) {
    return `${this.redis.prefix}cache:${key}`;
  }
  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.redis.client.get(this.k(key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }
  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.redis.client.set(this.k(key), JSON.stringify(value), "EX", Math.max(1, Math.round(ttlSeconds)));
  }
  async del(...keys: string[]): Promise<void> {
    const full = keys.map((k) => this.k(k));
    if (this.redis.mode === "single") {
      for (let i = 0; i < full.length; i += BATCH) await this.redis.client.del(...full.slice(i, i + BATCH));
      return;
    }
    // A multi-key DEL across slots is CROSSSLOT on a cluster: one DEL per slot, all in flight at once.
    for (const wave of slotWaves(full)) await Promise.all(wave.map((group) => this.redis.client.del(...group)));
  }
  async bump(key: string): Promise<number> {
    return this.redis.client.incr(this.k(`v:${key}`));
  }
  async bumpMany(keys: string[]): Promise<void> {
    const full = keys.map((k) => this.k(`v:${k}`));
    if (this.redis.mode === "single") {
      for (let i = 0; i < full.length; i += BATCH) {
        const pipeline = this.redis.client.pipeline();
        for (const key of full.slice(i, i + BATCH)) pipeline.incr(key);
        throwFirstError(await pipeline.exec());
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
          if (group.length === 1) return void (await this.redis.client.incr(group[0]!));
          const pipeline = this.redis.client.pipeline();
          for (const key of group) pipeline.incr(key);
          throwFirstError(await pipeline.exec());
        }),
      );
    }
  }
  async version(key: string): Promise<number> {
    return Number((await this.redis.client.get(this.k(`v:${key}`))) ?? 0);
  }
}

/** Keys grouped by hash slot, the groups in waves of at most BATCH keys (a group is never split). */
function slotWaves(keys: string[]): string[][][] {
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
    if (size && size + group.length > BATCH) {
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
