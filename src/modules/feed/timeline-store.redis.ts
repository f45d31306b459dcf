// The Redis timeline store (see timeline-store.ts for the model). Each owner has two keys in one
// hash slot (`{owner}` tag, so scripts work on a Redis Cluster): a sorted set of entries and a meta
// hash (ready | building, floor, large). Every operation is one Lua script per owner, so a read sees
// a set and its meta together and a fan-out never resurrects a set that was dropped meanwhile.
//
// Outages: a read while Redis is unavailable answers null (the caller reads PostgreSQL). A write
// that failed may have left a set missing an item or holding one it should not, so — like the
// cache epoch (src/lib/cache.ts) — every key carries the timeline epoch: a process that saw a
// failure bumps it before its next use, which makes every set written before unreachable at once
// (they are rebuilt from PostgreSQL on their owner's next read and the old ones expire).
import type { RedisClient, RedisHandle } from "../../lib/redis";
import { timelineTuning, type TimelineEntry, type TimelineRead, type TimelineStore } from "./timeline-store";

const EPOCH_REFRESH_MS = 1_000;
/** Owners per pipeline / wave of a fan-out. */
const BATCH = 1_000;

const TRIM = `
local n = redis.call('ZCARD', KEYS[1])
local max = tonumber(ARGV[1])
if n > max then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, n - max - 1)
  local low = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local f = tonumber(redis.call('HGET', KEYS[2], 'floor') or '0')
  if tonumber(low[2]) > f then redis.call('HSET', KEYS[2], 'floor', low[2]) end
end`;

const SCRIPTS = {
  // KEYS: set, meta. ARGV: max, ttl ms, then score/member pairs.
  vrssTlAdd: `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
${TRIM}
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`,
  // KEYS: set, meta. ARGV: max, ttl ms, floor, large, then score/member pairs.
  vrssTlFinish: `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
for i = 5, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1]) end
${TRIM}
local f = tonumber(redis.call('HGET', KEYS[2], 'floor') or '0')
if tonumber(ARGV[3]) > f then redis.call('HSET', KEYS[2], 'floor', ARGV[3]) end
redis.call('HSET', KEYS[2], 'ready', '1', 'large', ARGV[4])
redis.call('HDEL', KEYS[2], 'building')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`,
  // KEYS: set, meta. ARGV: max score ('+inf' or a number), count, ttl ms.
  vrssTlRead: `
local meta = redis.call('HMGET', KEYS[2], 'ready', 'floor', 'large')
if not meta[1] then return {0} end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1, meta[2] or '0', meta[3] or '', redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[1], '-inf', 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))}`,
};

type ScriptClient = RedisClient & {
  vrssTlAdd(...args: (string | number)[]): Promise<number>;
  vrssTlFinish(...args: (string | number)[]): Promise<number>;
  vrssTlRead(...args: (string | number)[]): Promise<[number, string?, string?, string[]?]>;
};

const defined = new WeakSet<object>();
function scripts(client: RedisClient): ScriptClient {
  if (!defined.has(client)) {
    for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(name, { numberOfKeys: 2, lua });
    defined.add(client);
  }
  return client as ScriptClient;
}

const pairs = (entries: TimelineEntry[]) => entries.flatMap((e) => [String(e.score), e.member]);

export class RedisTimelineStore implements TimelineStore {
  private epoch: number | null = null;
  private epochReadAt = 0;
  private dirty = false;

  constructor(private redis: RedisHandle) {
    redis.onRecover(() => void this.currentEpoch().catch(() => {}));
  }

  private get ttlMs() {
    return timelineTuning.activeDays * 86_400_000;
  }
  private keys(epoch: number, owner: string): [string, string] {
    const base = `${this.redis.prefix}tl:${epoch}:{${owner}}`;
    return [`${base}:s`, `${base}:m`];
  }

  private async currentEpoch(): Promise<number | null> {
    if (!this.redis.available()) {
      this.dirty = true;
      return null;
    }
    if (!this.dirty && this.epoch !== null && Date.now() - this.epochReadAt < EPOCH_REFRESH_MS) return this.epoch;
    const key = `${this.redis.prefix}tl:epoch`;
    const dirty = this.dirty;
    try {
      const raw = await this.redis.run<string | number | null>((c) => (dirty ? c.incr(key) : c.get(key)));
      this.epoch = Number(raw ?? 0);
      this.epochReadAt = Date.now();
      if (dirty) this.dirty = false;
      return this.epoch;
    } catch {
      this.dirty = true;
      return null;
    }
  }

  /** Runs a write on every owner (pipelined in batches); any failure marks the epoch dirty. */
  private async each(owners: string[], op: (c: ScriptClient, keys: [string, string]) => Promise<unknown>): Promise<void> {
    const epoch = await this.currentEpoch();
    if (epoch === null) return;
    try {
      for (let i = 0; i < owners.length; i += BATCH) {
        const wave = owners.slice(i, i + BATCH);
        if (this.redis.mode === "single") {
          const pipeline = scripts(this.redis.client).pipeline() as unknown as ScriptClient & { exec(): Promise<[Error | null, unknown][] | null> };
          for (const owner of wave) void op(pipeline, this.keys(epoch, owner));
          const results = await this.redis.run(() => pipeline.exec());
          if (!results) throw new Error("pipeline aborted");
          for (const [error] of results) if (error) throw error;
        } else {
          const client = scripts(this.redis.client);
          await Promise.all(wave.map((owner) => this.redis.run(() => op(client, this.keys(epoch, owner)))));
        }
      }
    } catch {
      this.dirty = true;
    }
  }

  async read(owners: string[], maxScore: number | null, count: number): Promise<TimelineRead[] | null> {
    const epoch = await this.currentEpoch();
    if (epoch === null) return null;
    const client = scripts(this.redis.client);
    const max = maxScore === null ? "+inf" : String(maxScore);
    try {
      const replies = await Promise.all(
        owners.map((owner) => this.redis.run(() => client.vrssTlRead(...this.keys(epoch, owner), max, count, this.ttlMs))),
      );
      return replies.map((reply): TimelineRead => {
        if (reply[0] !== 1) return { ready: false, floor: 0, large: [], entries: [] };
        const flat = reply[3] ?? [];
        const entries: TimelineEntry[] = [];
        for (let i = 0; i < flat.length; i += 2) entries.push({ member: flat[i]!, score: Number(flat[i + 1]) });
        return { ready: true, floor: Number(reply[1] ?? 0), large: reply[2] ? reply[2].split(",") : [], entries };
      });
    } catch {
      this.dirty = true;
      return null;
    }
  }

  async beginBuild(owner: string): Promise<void> {
    await this.each([owner], (c, [set, meta]) => Promise.all([c.hset(meta, "building", "1"), c.pexpire(set, this.ttlMs), c.pexpire(meta, this.ttlMs)]));
  }

  async finishBuild(owner: string, entries: TimelineEntry[], floor: number, large: string[]): Promise<void> {
    await this.each([owner], (c, keys) =>
      c.vrssTlFinish(...keys, timelineTuning.maxEntries, this.ttlMs, String(floor), large.join(","), ...pairs(entries)));
  }

  async add(owners: string[], entries: TimelineEntry[]): Promise<void> {
    if (!owners.length || !entries.length) return;
    const args = pairs(entries);
    await this.each(owners, (c, keys) => c.vrssTlAdd(...keys, timelineTuning.maxEntries, this.ttlMs, ...args));
  }

  async remove(owners: string[], members: string[]): Promise<void> {
    if (!owners.length || !members.length) return;
    await this.each(owners, (c, [set]) => c.zrem(set, ...members));
  }

  async drop(owners: string[]): Promise<void> {
    if (!owners.length) return;
    await this.each(owners, (c, keys) => c.del(...keys));
  }
}
