// With replicas, a cache must never be filled from a replica result older than the invalidation it
// is stored under: a lagging replica's page cached under a freshly bumped version would hide a new
// post for the entry's whole TTL, even from processes reading the primary.
//
// - FlooredCache (the process-wide cache when replicas are configured) records, before every
//   invalidation (del, bump, bumpMany), the primary's WAL position as the "floor" of the keys.
//   The floor is written before the bump, so whoever sees the new version also sees the floor.
// - ReplicaReadCache (one per replica-routed request) remembers every key and version the request
//   read; a set() is dropped unless the replica's replay position known before the read is at or
//   past every floor among them. Reads from the cache are never blocked: an entry that exists was
//   filled by a read new enough for its key.
// Floors live for max lag + 60 s: after that every usable replica is past them anyway.
import type { Cache } from "../lib/cache";
import type { LsnStore } from "./lsn-store";

const floorOf = (key: string) => `floor:${key}`;
const versionFloorOf = (key: string) => `floor:v:${key}`;

export class FlooredCache implements Cache {
  constructor(
    private inner: Cache,
    private store: LsnStore,
    private primaryLsn: () => Promise<bigint>,
    private floorTtlSeconds: number,
  ) {}

  get<T>(key: string) {
    return this.inner.get<T>(key);
  }
  set(key: string, value: unknown, ttlSeconds: number) {
    return this.inner.set(key, value, ttlSeconds);
  }
  version(key: string) {
    return this.inner.version(key);
  }
  async del(...keys: string[]): Promise<void> {
    await this.raise(keys.map(floorOf));
    await this.inner.del(...keys);
  }
  async bump(key: string): Promise<number> {
    await this.raise([versionFloorOf(key)]);
    return this.inner.bump(key);
  }
  async bumpMany(keys: string[]): Promise<void> {
    await this.raise(keys.map(versionFloorOf));
    await this.inner.bumpMany(keys);
  }

  /** The cache for one read served by a replica whose replay position was `replayLsn`. */
  forReplicaRead(replayLsn: bigint): Cache {
    return new ReplicaReadCache(this, this.inner, this.store, replayLsn);
  }

  private async raise(floorKeys: string[]): Promise<void> {
    if (floorKeys.length === 0) return;
    const lsn = await this.primaryLsn();
    for (let i = 0; i < floorKeys.length; i += 1_000) {
      await Promise.all(floorKeys.slice(i, i + 1_000).map((k) => this.store.raise(k, lsn, this.floorTtlSeconds)));
    }
  }
}

export class ReplicaReadCache implements Cache {
  private floors = new Set<string>();
  /** How many fills this request skipped (tests and logs). */
  skippedFills = 0;

  constructor(private floored: Cache, private inner: Cache, private store: LsnStore, private replayLsn: bigint) {}

  get<T>(key: string) {
    this.floors.add(floorOf(key));
    return this.inner.get<T>(key);
  }
  version(key: string) {
    this.floors.add(versionFloorOf(key));
    return this.inner.version(key);
  }
  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.floors.add(floorOf(key));
    // Floors unreadable (Redis unavailable, floors of an outage not written back yet): not provably
    // fresh enough, so no fill (the inner cache skips sets while Redis is down anyway).
    const floor = await this.store.max([...this.floors]).catch(() => null);
    if (floor === null || floor > this.replayLsn) {
      this.skippedFills++;
      return;
    }
    await this.inner.set(key, value, ttlSeconds);
  }
  // Queries do not invalidate; if one ever does, it is an invalidation like any other (floored).
  del(...keys: string[]) {
    return this.floored.del(...keys);
  }
  bump(key: string) {
    return this.floored.bump(key);
  }
  bumpMany(keys: string[]) {
    return this.floored.bumpMany(keys);
  }
}
