// In-process session cache (issue 17): most requests resolve their session without a database
// round trip, and a revocation still holds on the very next request in every process.
//
// - Entries (keyed by the token's SHA-256) live SESSION_CACHE_TTL_MS (0 = off), at most MAX_ENTRIES
//   of them (least recently used evicted). Only live sessions are cached, never a refusal.
// - Whoever revokes calls `revoked()` after the commit: its own entries go synchronously, then a
//   message on SESSION_REVOKED_CHANNEL (by session id or by user id) is published and awaited:
//   Redis has pushed it to every other process before the revoking request is answered.
// - Those messages are only trusted while the subscription is known to deliver. Until it is
//   (not yet subscribed, Redis unavailable, no heartbeat back for HEARTBEAT_STALE_MS) the cache is
//   bypassed: every request reads the row. Any interruption clears it, since messages may have been
//   lost; so does pub/sub's onReconnect. The heartbeat is this process's own message on its own
//   channel, once a second: it proves the whole path (PUBLISH, Redis, the subscriber connection).
// - A fill that raced a revocation (row read before the revoke committed, stored after its message
//   arrived) is refused through a generation counter that every drop bumps.
// - A failed publish (Redis unreachable from here) is logged and retried from the heartbeat tick
//   for one TTL; meanwhile other processes may serve the revoked session for at most the TTL.
import { randomBytes } from "node:crypto";
import type { Logger } from "../../lib/logger";
import type { PubSub, Unsubscribe } from "../../lib/pubsub";
import type { RedisHandle } from "../../lib/redis";

export const SESSION_REVOKED_CHANNEL = "sessions:revoked";
const MAX_ENTRIES = 50_000;
const HEARTBEAT_MS = 1_000;
const HEARTBEAT_STALE_MS = 3_000;
const SUBSCRIBE_RETRY_MS = 1_000;

/** A revocation message: one session, or every session of a user (logoutAll, suspension, …). */
export type Revocation = { sessionId: string } | { userId: string };

export interface CachedSession {
  sessionId: string;
  userId: string;
  username: string;
  /** Date.now() at the row's last sliding renewal (last_seen_at). */
  lastRenewedAt: number;
}

/** What revoking code needs: the server's SessionCache, or a bare publisher (the operator CLI). */
export interface SessionRevoker {
  /** Call after the revocation committed; resolves once the other processes were told (or it failed and was logged). */
  revoked(revocation: Revocation): Promise<void>;
}

/** For a process without a session cache of its own (scripts/account-status.ts): publish only. */
export function revocationPublisher(pubsub: PubSub, onFailure: (error: unknown) => void): SessionRevoker {
  return {
    revoked: (revocation) => pubsub.publish(SESSION_REVOKED_CHANNEL, revocation).catch(onFailure),
  };
}

export interface SessionCacheOptions {
  ttlMs: number;
  pubsub: PubSub;
  /** Redis behind `pubsub` (null: in-process pub/sub, which cannot lose a message: no heartbeat). */
  redis: Pick<RedisHandle, "available"> | null;
  log: Logger;
  /** An entry whose row was renewed longer ago is a miss: the read renews it (and re-checks it). */
  renewAfterMs: number;
  maxEntries?: number;
  /** Tests shorten these. */
  heartbeatMs?: number;
  heartbeatStaleMs?: number;
}

interface Entry extends CachedSession {
  storedAt: number;
}

export class SessionCache implements SessionRevoker {
  private readonly entries = new Map<string, Entry>(); // iteration order = least recently used first
  private readonly bySession = new Map<string, string>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly inFlight = new Map<string, { generation: number; load: Promise<CachedSession | null> }>();
  private generation = 0;
  private subscribed = false;
  /** Set while the delivery of revocations is in doubt; a heartbeat sent after it clears it. */
  private downSince: number | null = 0;
  private lastBeatAt = 0;
  private readonly beatChannel = `sessions:beat:${randomBytes(6).toString("hex")}`;
  private unsubscribeRevoked: Unsubscribe | null = null;
  private unsubscribeBeat: Unsubscribe | null = null;
  private offReconnect: (() => void) | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pending: { revocation: Revocation; at: number }[] = [];
  private closed = false;
  private readonly counters = { hits: 0, misses: 0, bypasses: 0 };
  private readonly maxEntries: number;
  private readonly beatMs: number;
  private readonly staleMs: number;

  constructor(private readonly opts: SessionCacheOptions) {
    this.maxEntries = opts.maxEntries ?? MAX_ENTRIES;
    this.beatMs = opts.heartbeatMs ?? HEARTBEAT_MS;
    this.staleMs = opts.heartbeatStaleMs ?? HEARTBEAT_STALE_MS;
  }

  /** Subscribes (retrying until it works) and starts the heartbeat; the cache serves once both are live. */
  start(): void {
    // Off: nothing to keep fresh, but revoked() still publishes for the processes that cache.
    if (this.opts.ttlMs <= 0) return;
    // Re-subscribed after a gap: whatever was published meanwhile is lost.
    this.offReconnect = this.opts.pubsub.onReconnect(() => this.clear());
    void this.subscribe();
  }

  private async subscribe(): Promise<void> {
    try {
      this.unsubscribeRevoked ??= await this.opts.pubsub.subscribe(SESSION_REVOKED_CHANNEL, (m) => this.onMessage(m));
      if (this.opts.redis) this.unsubscribeBeat ??= await this.opts.pubsub.subscribe(this.beatChannel, (m) => this.onBeat(m));
      else this.downSince = null; // in-process delivery cannot lose a message
    } catch (error) {
      this.opts.log.debug({ err: error }, "session cache: subscribe failed, retrying (cache bypassed meanwhile)");
      this.schedule(() => void this.subscribe(), SUBSCRIBE_RETRY_MS);
      return;
    }
    if (this.closed) return void this.releaseSubscriptions();
    this.subscribed = true;
    this.tick();
  }

  private schedule(fn: () => void, ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      fn();
    }, ms);
    this.timer.unref?.();
  }

  /** Heartbeat, doubt check, and retry of revocations whose publish failed. */
  private tick(): void {
    if (this.closed) return;
    this.serving();
    if (this.opts.redis) this.opts.pubsub.publish(this.beatChannel, { sentAt: Date.now() }).catch(() => {});
    const now = Date.now();
    this.pending = this.pending.filter((p) => now - p.at < this.opts.ttlMs);
    for (const p of [...this.pending]) {
      this.opts.pubsub.publish(SESSION_REVOKED_CHANNEL, p.revocation).then(
        () => (this.pending = this.pending.filter((q) => q !== p)),
        () => {},
      );
    }
    this.schedule(() => this.tick(), this.beatMs);
  }

  private onBeat(message: unknown): void {
    const sentAt = (message as { sentAt?: unknown } | null)?.sentAt;
    if (typeof sentAt !== "number") return;
    this.lastBeatAt = Math.max(this.lastBeatAt, Date.now());
    if (this.downSince !== null && sentAt > this.downSince) {
      // This beat left after the doubt began and came back: delivery works again. Anything that
      // was published during the doubt may be lost, hence one more clear.
      this.clear();
      this.downSince = null;
    }
  }

  private onMessage(message: unknown): void {
    const m = (message ?? {}) as { sessionId?: unknown; userId?: unknown };
    if (typeof m.sessionId === "string") this.drop({ sessionId: m.sessionId });
    else if (typeof m.userId === "string") this.drop({ userId: m.userId });
    else this.clear(); // not a message we know: drop everything rather than guess
  }

  /** Whether entries may be served now; an interruption noticed here marks the doubt and clears. */
  private serving(): boolean {
    if (this.opts.ttlMs <= 0 || !this.subscribed || this.closed) return false;
    const redis = this.opts.redis;
    if (!redis) return this.downSince === null;
    const healthy = redis.available() && Date.now() - this.lastBeatAt <= this.staleMs;
    if (!healthy && this.downSince === null) {
      this.downSince = Date.now();
      this.clear();
    }
    return healthy && this.downSince === null;
  }

  /**
   * The session for this token hash: from the cache when it may serve, else `load()` (the row
   * read, with its renewal), whose live result is cached. Concurrent misses of one token share one
   * load, unless a revocation came in between.
   */
  async resolve(key: string, load: () => Promise<CachedSession | null>): Promise<CachedSession | null> {
    if (!this.serving()) {
      this.counters.bypasses++;
      return load();
    }
    const hit = this.lookup(key);
    if (hit) {
      this.counters.hits++;
      return hit;
    }
    this.counters.misses++;
    const generation = this.generation;
    const joined = this.inFlight.get(key);
    if (joined && joined.generation === generation) return joined.load;
    const loading = load();
    this.inFlight.set(key, { generation, load: loading });
    try {
      const loaded = await loading;
      if (loaded && generation === this.generation && this.serving()) this.store(key, loaded);
      return loaded;
    } finally {
      if (this.inFlight.get(key)?.load === loading) this.inFlight.delete(key);
    }
  }

  private lookup(key: string): CachedSession | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    const now = Date.now();
    if (now - entry.storedAt > this.opts.ttlMs || now - entry.lastRenewedAt >= this.opts.renewAfterMs) {
      this.remove(key);
      return null;
    }
    this.entries.delete(key); // re-inserted: most recently used
    this.entries.set(key, entry);
    return { sessionId: entry.sessionId, userId: entry.userId, username: entry.username, lastRenewedAt: entry.lastRenewedAt };
  }

  private store(key: string, session: CachedSession): void {
    this.remove(key);
    this.entries.set(key, { ...session, storedAt: Date.now() });
    this.bySession.set(session.sessionId, key);
    let keys = this.byUser.get(session.userId);
    if (!keys) this.byUser.set(session.userId, (keys = new Set()));
    keys.add(key);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.remove(oldest);
    }
  }

  private remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (this.bySession.get(entry.sessionId) === key) this.bySession.delete(entry.sessionId);
    const keys = this.byUser.get(entry.userId);
    keys?.delete(key);
    if (keys?.size === 0) this.byUser.delete(entry.userId);
  }

  /** Drops this process's entries for the revocation (synchronous; no message). */
  drop(revocation: Revocation): void {
    this.generation++;
    if ("sessionId" in revocation) {
      const key = this.bySession.get(revocation.sessionId);
      if (key) this.remove(key);
    } else {
      for (const key of [...(this.byUser.get(revocation.userId) ?? [])]) this.remove(key);
    }
  }

  async revoked(revocation: Revocation): Promise<void> {
    this.drop(revocation);
    try {
      await this.opts.pubsub.publish(SESSION_REVOKED_CHANNEL, revocation);
    } catch (error) {
      this.opts.log.warn({ err: error, revocation }, "session revocation not published: other processes may serve the session until their cache TTL");
      if (this.opts.ttlMs > 0) this.pending.push({ revocation, at: Date.now() });
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.bySession.clear();
    this.byUser.clear();
  }

  /** For tests and diagnostics. */
  stats(): { size: number; hits: number; misses: number; bypasses: number; serving: boolean } {
    return { size: this.entries.size, ...this.counters, serving: this.serving() };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.offReconnect?.();
    this.clear();
    await this.releaseSubscriptions();
  }

  private async releaseSubscriptions(): Promise<void> {
    const all = [this.unsubscribeRevoked, this.unsubscribeBeat];
    this.unsubscribeRevoked = this.unsubscribeBeat = null;
    await Promise.all(all.map((u) => u?.().catch(() => {})));
  }
}
