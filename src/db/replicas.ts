// Read replicas (DATABASE_READ_URL) with read-your-writes by WAL position.
//
// - After a mutation, the caller's user id is recorded with the primary's current WAL position
//   (pg_current_wal_lsn(), taken after the write committed, so it is at or past the commit record).
// - Every replica's replay position (pg_last_wal_replay_lsn()) is polled every POLL_MS. Replay only
//   moves forward, so a polled value is a lower bound of what the replica has applied right now.
// - A query of user U goes to a replica only if that lower bound is at or past U's recorded
//   position: U sees every write U made, whatever the lag, and falls back to the primary while no
//   replica has it (e.g. replay paused). Anonymous callers and users with no recent writes read any
//   healthy replica.
// - A replica whose replay lags the primary by more than DATABASE_REPLICA_MAX_LAG_MS (measured by
//   WAL position against the primary's polled positions, so an idle primary is not "lag"), or whose
//   poll fails, gets no reads until it recovers.
// Writes never go to a replica: only query procedures are routed (src/trpc/init.ts).
import type { Logger } from "../lib/logger";
import { RedisUnavailableError } from "../lib/redis";
import type { Database, Db } from "./client";
import type { LsnStore } from "./lsn-store";
import { parseLsn } from "./lsn-store";

const POLL_MS = 100;

export interface ReplicaState {
  describe: string;
  /** Replay position at the last successful poll (a lower bound of the replica's position now). */
  replayLsn: bigint;
  lagMs: number | null;
  lastOkAt: number;
  usable: boolean;
}

export type ReadRoute =
  | { source: "primary"; db: Db }
  | { source: "replica"; db: Db; /** The replica's replay position known before the read. */ replayLsn: bigint; replica: string };

export class ReadRouting {
  private states: ReplicaState[];
  private primarySamples: { at: number; lsn: bigint }[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling = false;
  private next = 0;
  /** Reads routed to each side since start (the /ready report and tests). */
  readonly routed = { primary: 0, replica: 0 };

  constructor(
    private primary: Database,
    private replicas: Database[],
    private store: LsnStore,
    private opts: { maxLagMs: number; log: Logger },
  ) {
    this.states = replicas.map((r) => ({ describe: r.describe, replayLsn: 0n, lagMs: null, lastOkAt: 0, usable: false }));
  }

  /** How long a user's write position is remembered: past that, every usable replica has it. */
  get writeTtlSeconds(): number {
    return Math.ceil(this.opts.maxLagMs / 1000) + 60;
  }

  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), POLL_MS);
  }

  /** The primary's current WAL position (after whatever this process has committed). */
  async primaryLsn(): Promise<bigint> {
    const [row] = await this.primary.sql<{ lsn: string }[]>`SELECT pg_current_wal_lsn()::text AS lsn`;
    return parseLsn(row!.lsn);
  }

  /** Remembers that `userId` wrote: their reads need a replica at least this far. */
  async noteWrite(userId: string): Promise<void> {
    await this.store.raise(`rw:${userId}`, await this.primaryLsn(), this.writeTtlSeconds);
  }

  /** Where a read of this viewer (null = anonymous) should run. */
  async route(viewerId: string | null): Promise<ReadRoute> {
    const route = await this.choose(viewerId);
    this.routed[route.source]++;
    return route;
  }

  private async choose(viewerId: string | null): Promise<ReadRoute> {
    const primary: ReadRoute = { source: "primary", db: this.primary.db };
    const now = Date.now();
    const candidates = this.states.map((s, i) => ({ s, i })).filter(({ s }) => this.isUsable(s, now));
    if (candidates.length === 0) return primary;
    let needed = 0n;
    if (viewerId) {
      try {
        needed = await this.store.max([`rw:${viewerId}`]);
      } catch (error) {
        // Without the caller's write position we cannot prove a replica has their writes. Redis
        // being unavailable is logged once per outage by the handle, not here per read.
        this.opts.log[error instanceof RedisUnavailableError ? "debug" : "warn"]({ err: error }, "read-your-writes lookup failed; reading from the primary");
        return primary;
      }
    }
    const fresh = candidates.filter(({ s }) => s.replayLsn >= needed);
    if (fresh.length === 0) return primary;
    const pick = fresh[this.next++ % fresh.length]!;
    return { source: "replica", db: this.replicas[pick.i]!.db, replayLsn: pick.s.replayLsn, replica: pick.s.describe };
  }

  status(): ReplicaState[] {
    const now = Date.now();
    return this.states.map((s) => ({ ...s, usable: this.isUsable(s, now) }));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled(this.replicas.map((r) => r.close()));
  }

  private isUsable(s: ReplicaState, now: number): boolean {
    return s.lastOkAt > 0 && now - s.lastOkAt < 10 * POLL_MS + 1_000 && s.lagMs !== null && s.lagMs <= this.opts.maxLagMs;
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a hung server must not pile up polls
    this.polling = true;
    try {
      const now = Date.now();
      try {
        this.primarySamples.push({ at: now, lsn: await this.primaryLsn() });
      } catch {
        // Primary unreachable: replicas keep their last known state; lag is judged on old samples.
      }
      const keepFrom = now - this.opts.maxLagMs - 5 * POLL_MS;
      while (this.primarySamples.length > 2 && this.primarySamples[0]!.at < keepFrom) this.primarySamples.shift();
      await Promise.all(this.replicas.map((replica, i) => this.pollReplica(replica, this.states[i]!, now)));
    } finally {
      this.polling = false;
    }
  }

  private async pollReplica(replica: Database, state: ReplicaState, now: number): Promise<void> {
    try {
      // A "replica" that is not in recovery (a promoted standby, or a primary listed by mistake) is
      // current by definition.
      const [row] = await replica.sql<{ lsn: string }[]>`
        SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text AS lsn`;
      if (!row?.lsn) throw new Error("replica reports no replay position");
      state.replayLsn = parseLsn(row.lsn);
      state.lastOkAt = Date.now();
      state.lagMs = this.lagOf(state.replayLsn, now);
    } catch (error) {
      if (state.lastOkAt > 0 && Date.now() - state.lastOkAt > 1_000) {
        this.opts.log.warn({ replica: state.describe, err: error }, "replica poll failed");
      }
      state.lagMs = null;
    }
  }

  /**
   * An upper bound of how long ago the primary was where this replica is now: 0 when the replica
   * has the primary's latest sampled position, else the age of the newest sample it has reached;
   * ∞ when it is behind every sample kept.
   */
  private lagOf(replayLsn: bigint, now: number): number {
    const last = this.primarySamples.length - 1;
    for (let i = last; i >= 0; i--) {
      const sample = this.primarySamples[i]!;
      if (sample.lsn <= replayLsn) return i === last ? 0 : now - sample.at;
    }
    return Number.POSITIVE_INFINITY;
  }
}
