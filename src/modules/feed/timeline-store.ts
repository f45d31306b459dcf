// Materialized timelines: per owner, a bounded set of item entries ordered newest first. An owner is
// a viewer's inbox ("u<id>", their home timeline, filled by fan-out on write) or a large author's
// outbox ("a<id>", their own recent items, merged into followers' pages at read time). Redis sorted
// sets when Redis is configured, an in-process structure otherwise (the embedded default).
//
// An entry is (score, member): score = the item's time in microseconds since the epoch (exact in a
// double until the year 2255), member = "<kind>:<item id, 19 digits>:<post id>:<actor id>", so equal
// scores order like the engine's (ts, kind, item id) DESC by reverse lexical order.
//
// An owner's set exists only once built (meta `ready`, or `building` while its rebuild reads
// PostgreSQL — fan-out then already lands in it, so no item committed during a rebuild is missed).
// Fan-out writes only into existing sets: a viewer who has not read their timeline for
// `activeDays` has none (it expired) and is rebuilt from PostgreSQL on return. `floor` is the score
// at or below which the set is not authoritative (it was trimmed to `maxEntries`, or the rebuild
// stopped there): a read that needs older items falls back to the engine.
import type { Cache } from "../../lib/cache";

export interface TimelineEntry {
  score: number;
  member: string;
}

export interface TimelineRead {
  ready: boolean;
  floor: number;
  /** Inbox only: the large authors this viewer followed when the inbox was built (their outboxes are merged in). */
  large: string[];
  /** Entries with score ≤ the bound asked for, newest first (ties at the bound included). */
  entries: TimelineEntry[];
}

export interface TimelineStore {
  /** null: the store cannot answer now (Redis unavailable) — the caller reads PostgreSQL. */
  read(owners: string[], maxScore: number | null, count: number): Promise<TimelineRead[] | null>;
  /** Marks the owner's set as being built (fan-out lands in it from now on). */
  beginBuild(owner: string): Promise<void>;
  finishBuild(owner: string, entries: TimelineEntry[], floor: number, large: string[]): Promise<void>;
  /** Adds entries to every owner whose set exists (built or building); others are skipped. */
  add(owners: string[], entries: TimelineEntry[]): Promise<void>;
  remove(owners: string[], members: string[]): Promise<void>;
  /** Forgets the owners' sets: the next read rebuilds them. */
  drop(owners: string[]): Promise<void>;
}

/** Tunables (mutable so tests can exercise trimming and the large-author path at small sizes). */
export const timelineTuning = {
  /** Entries kept per set (Mastodon keeps 800). */
  maxEntries: 800,
  /** Authors with more followers are not fanned out: their items are merged in at read time. */
  fanoutMaxFollowers: 10_000,
  /** A viewer who has not read their timeline for this long has no inbox (rebuilt on return). */
  activeDays: 14,
};

export const inboxOwner = (userId: string) => `u${userId}`;
export const outboxOwner = (authorId: string) => `a${authorId}`;

export function entryMember(kind: 0 | 1, itemId: string, postId: string, actorId: string): string {
  return `${kind}:${itemId.padStart(19, "0")}:${postId}:${actorId}`;
}

const MEMBER = /^([01]):(\d{19}):(\d{1,19}):(\d{1,19})$/;
export function parseMember(member: string): { kind: 0 | 1; itemId: string; postId: string; actorId: string } | null {
  const m = MEMBER.exec(member);
  if (!m) return null;
  return { kind: Number(m[1]) as 0 | 1, itemId: m[2]!.replace(/^0+(?=\d)/, ""), postId: m[3]!, actorId: m[4]! };
}

/** Newest first: score DESC, then member DESC (kind, then item id). */
export function compareEntries(a: TimelineEntry, b: TimelineEntry): number {
  if (a.score !== b.score) return b.score - a.score;
  return a.member < b.member ? 1 : a.member > b.member ? -1 : 0;
}

// ------------------------------------------------------------------ in-process

interface MemorySet {
  ready: boolean;
  floor: number;
  large: string[];
  entries: TimelineEntry[];
  touched: number;
}

/** The embedded default: a Map of sorted arrays, at most `maxOwners` sets (least recently read go first). */
export class MemoryTimelineStore implements TimelineStore {
  private sets = new Map<string, MemorySet>();
  constructor(private maxOwners = 20_000) {}

  private live(owner: string): MemorySet | undefined {
    const set = this.sets.get(owner);
    if (set && Date.now() - set.touched > timelineTuning.activeDays * 86_400_000) {
      this.sets.delete(owner);
      return undefined;
    }
    return set;
  }
  async read(owners: string[], maxScore: number | null, count: number): Promise<TimelineRead[]> {
    return owners.map((owner) => {
      const set = this.live(owner);
      if (!set) return { ready: false, floor: 0, large: [], entries: [] };
      set.touched = Date.now();
      this.sets.delete(owner);
      this.sets.set(owner, set); // LRU order
      const from = maxScore === null ? 0 : set.entries.findIndex((e) => e.score <= maxScore);
      const entries = from < 0 ? [] : set.entries.slice(from, from + count);
      return { ready: set.ready, floor: set.floor, large: set.large, entries };
    });
  }
  async beginBuild(owner: string): Promise<void> {
    if (this.live(owner)) return;
    this.sets.set(owner, { ready: false, floor: 0, large: [], entries: [], touched: Date.now() });
    while (this.sets.size > this.maxOwners) this.sets.delete(this.sets.keys().next().value!);
  }
  async finishBuild(owner: string, entries: TimelineEntry[], floor: number, large: string[]): Promise<void> {
    const set = this.live(owner);
    if (!set) return; // dropped while building: the next read builds again
    this.insert(set, entries);
    set.floor = Math.max(set.floor, floor);
    set.large = large;
    set.ready = true;
  }
  async add(owners: string[], entries: TimelineEntry[]): Promise<void> {
    for (const owner of owners) {
      const set = this.live(owner);
      if (set) this.insert(set, entries);
    }
  }
  async remove(owners: string[], members: string[]): Promise<void> {
    const gone = new Set(members);
    for (const owner of owners) {
      const set = this.live(owner);
      if (set) set.entries = set.entries.filter((e) => !gone.has(e.member));
    }
  }
  async drop(owners: string[]): Promise<void> {
    for (const owner of owners) this.sets.delete(owner);
  }
  private insert(set: MemorySet, entries: TimelineEntry[]) {
    const known = new Set(set.entries.map((e) => e.member));
    for (const e of entries) if (!known.has(e.member)) set.entries.push(e);
    set.entries.sort(compareEntries);
    if (set.entries.length > timelineTuning.maxEntries) {
      set.entries.length = timelineTuning.maxEntries;
      set.floor = Math.max(set.floor, set.entries[set.entries.length - 1]!.score);
    }
  }
}

// ------------------------------------------------------------------ registry

const stores = new WeakMap<Cache, TimelineStore>();
/**
 * The timeline store travels with the app's cache object (every emit and read already has it), so
 * events and reads reach the store of their own server — tests run many servers in one process.
 */
export function attachTimelines(cache: Cache, store: TimelineStore): void {
  stores.set(cache, store);
}
/** null when the deployment has none (CACHE=off): home timelines are then read by the engine. */
export function timelinesOf(cache: Cache): TimelineStore | null {
  return stores.get(cache) ?? null;
}
