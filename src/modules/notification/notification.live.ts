// Finding new notifications for live delivery: one poller per server process and database, over
// the users with a stream open on this process, reading only committed rows.
//
// Why a poller of committed rows and not "publish after COMMIT": notify() and notifySystem() are
// called from ~17 places, mostly inside other modules' transactions, with nothing but a database
// handle (no pub/sub, no logger); the transaction helper knows neither; some writers bypass them
// (the storage warnings INSERT their notifications in the statement that moves the warning level,
// the seed, jobs on db.transaction). An after-commit hook would need every one of those paths —
// and every new caller — to go through it, plus a way to reach the process's pub/sub from a bare
// transaction. A SELECT, by contrast, sees a row only once its transaction has committed and never
// one that rolled back, whoever wrote it. The price: delivery within POLL_MS (not at once), and one
// small query per POLL_MS per process while it has streams (none when it has none).
//
// Why by transaction id and not by "id > last": ids are taken at INSERT and commit in any order;
// a row with id 100 can commit after the poll that saw 101. Each row stores its inserting
// transaction (notifications.xact, 0070). A poll reads, per user, the rows with xact >= the user's
// floor, and returns pg_snapshot_xmin of its own snapshot: every transaction below it had ended by
// then, so whatever commits later has xact >= it. That is the next floor — nothing is missed, and
// the few rows at or above it that were seen are remembered (`seen`) so they are not sent twice.
// A long transaction anywhere on the cluster holds the floor back; polls then re-read those rows
// (per user, an index range on (user_id, xact)) and drop them as seen.
//
// Cross-process: each process polls for its own streams, so a notification written by any process
// (or any tool) reaches every open stream of its recipient; unread-count changes of the mark-read
// mutations travel over pub/sub (notification.events.ts).
import type { Db } from "../../db/client";
import type { Logger } from "../../lib/logger";
import { committedSince, notificationView, unreadCount, type CommittedRow, type NotificationView } from "./notification.service";

/** How often a process with open streams looks for newly committed notifications. */
export const POLL_MS = 250;

export interface LiveListener {
  notification(n: NotificationView): void;
  unread(u: { count: number; capped: boolean }): void;
}

interface Watch {
  /** Next poll reads rows with xact >= floor; null until the baseline ran. */
  floor: string | null;
  baseline: Promise<void> | null;
  /** Rows read at or above the floor (id → xact): read again by later polls, not sent again. */
  seen: Map<string, bigint>;
  listeners: Set<LiveListener>;
}

class NotificationPoller {
  private readonly watches = new Map<string, Watch>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failing = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger | undefined,
  ) {}

  /**
   * Starts delivering to `listener` every notification of `userId` that commits from now on.
   * Resolves once that holds: what had committed before is the caller's replay (a row both
   * replayed and delivered may happen, the stream drops it by id). Returns the unwatch.
   */
  async watch(userId: string, listener: LiveListener): Promise<() => void> {
    let w = this.watches.get(userId);
    if (!w) this.watches.set(userId, (w = { floor: null, baseline: null, seen: new Map(), listeners: new Set() }));
    const watch = w;
    watch.listeners.add(listener);
    const unwatch = () => {
      watch.listeners.delete(listener);
      if (watch.listeners.size === 0 && this.watches.get(userId) === watch) this.watches.delete(userId);
    };
    try {
      if (watch.floor === null) await (watch.baseline ??= this.baseline(userId, watch));
    } catch (error) {
      unwatch();
      throw error;
    }
    this.schedule();
    return unwatch;
  }

  /** The first floor of a user: this snapshot's horizon; rows already committed at or above it are seen. */
  private async baseline(userId: string, w: Watch): Promise<void> {
    try {
      const { horizon, rows } = await committedSince(this.db, [{ userId, floor: null }]);
      for (const r of rows) w.seen.set(r.id, BigInt(r.xact!));
      w.floor = horizon;
    } finally {
      w.baseline = null;
    }
  }

  private schedule() {
    if (this.timer || this.watches.size === 0) return;
    this.timer = setTimeout(() => void this.tick(), POLL_MS);
    this.timer.unref?.();
  }

  private async tick() {
    try {
      await this.poll();
      if (this.failing) this.log?.info("notification poll recovered");
      this.failing = false;
    } catch (error) {
      // Nothing is lost while it fails: the floors stay where they were.
      if (!this.failing) this.log?.warn({ err: error }, "notification poll failed, retrying");
      this.failing = true;
    } finally {
      this.timer = null;
      this.schedule();
    }
  }

  private async poll() {
    const entries = [...this.watches].filter(([, w]) => w.floor !== null);
    if (entries.length === 0) return;
    const { horizon, rows } = await committedSince(this.db, entries.map(([userId, w]) => ({ userId, floor: w.floor })));
    const h = BigInt(horizon);
    const byUser = new Map<string, CommittedRow[]>();
    for (const r of rows) {
      const list = byUser.get(r.user_id);
      if (list) list.push(r);
      else byUser.set(r.user_id, [r]);
    }
    const changed: [string, Watch][] = [];
    for (const [userId, w] of entries) {
      if (this.watches.get(userId) !== w) continue; // the last stream left during the poll
      const fresh: NotificationView[] = [];
      for (const r of (byUser.get(userId) ?? []).sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1))) {
        if (w.seen.has(r.id)) continue;
        w.seen.set(r.id, BigInt(r.xact!));
        // A row of a hidden actor is seen but never sent (the list hides it too).
        if (r.visible) fresh.push(notificationView(r));
      }
      if (h > BigInt(w.floor!)) w.floor = horizon;
      const floor = BigInt(w.floor!);
      for (const [id, xact] of w.seen) if (xact < floor) w.seen.delete(id);
      if (fresh.length === 0) continue;
      for (const l of w.listeners) for (const n of fresh) l.notification(n);
      changed.push([userId, w]);
    }
    // The badge after the new rows: one count per user who got some.
    await Promise.all(
      changed.map(async ([userId, w]) => {
        const unread = await unreadCount(this.db, userId);
        for (const l of w.listeners) l.unread(unread);
      }),
    );
  }
}

const pollers = new WeakMap<Db, NotificationPoller>();

/** The poller of this database handle (one per server process; tests run several servers in one). */
export function pollerFor(db: Db, log?: Logger): NotificationPoller {
  let p = pollers.get(db);
  if (!p) pollers.set(db, (p = new NotificationPoller(db, log)));
  return p;
}
