// The bounded wait for a pool connection and the per-request deadline, applied to postgres.js:
// a Proxy of its `sql` (Drizzle calls `unsafe` and `begin`; tagged templates call it directly).
// See docs/decisions.md → Outages → PostgreSQL.
import type postgres from "postgres";
import { databaseUnavailable, findPgError, isConnectionError } from "../lib/errors";
import { currentDbScope, deadlineExceeded, isAbandoned, remainingMs, type DbScope } from "./request-deadline";

/**
 * Bounds the wait for a pool connection. postgres.js queues a query without limit while all `max`
 * connections are busy; during an overload or a lock pile-up every request would wait as long as
 * the slowest holder. The gate hands out `permits` (= pool max: without pipelining a connection
 * runs one autocommit query or one transaction) and fails a query that has waited
 * `acquireTimeoutMs` with 503 DATABASE_BUSY — or DATABASE_UNAVAILABLE when the last outcome was a
 * lost connection — without ever handing it to postgres.js. A waiting query is simply dropped from
 * the gate's own FIFO: postgres.js never saw it, so nothing there can wedge.
 */
export class PoolGate {
  private inUse = 0;
  private readonly waiters: Waiter[] = [];
  /** Since when queries fail for want of a server (0: the last outcome was not a lost connection). */
  private downSince = 0;

  constructor(readonly permits: number, readonly acquireTimeoutMs: number, private readonly onError?: (error: unknown) => void) {}

  get stats(): { inUse: number; waiting: number; down: boolean } {
    return { inUse: this.inUse, waiting: this.waiters.length, down: this.downSince > 0 };
  }

  /** A permit (call the returned function once to give it back), or a 503 AppError. */
  acquire(scope?: DbScope): Promise<() => void> {
    if (isAbandoned(scope)) return Promise.reject(deadlineExceeded());
    if (this.inUse < this.permits && this.waiters.length === 0) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    const limit = scope?.acquireTimeoutMs ?? this.acquireTimeoutMs;
    const left = remainingMs(scope);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.releaser());
        },
      };
      const fail = (error: unknown) => {
        cleanup();
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(error);
      };
      const timer = setTimeout(
        () => fail(left < limit ? deadlineExceeded() : this.downSince ? databaseUnavailable(undefined) : databaseUnavailable(undefined, "DATABASE_BUSY")),
        Math.min(limit, left),
      );
      const onAbort = () => fail(deadlineExceeded());
      scope?.signal?.addEventListener("abort", onAbort, { once: true });
      const cleanup = () => {
        clearTimeout(timer);
        scope?.signal?.removeEventListener("abort", onAbort);
      };
      this.waiters.push(waiter);
    });
  }

  /** Records how a query ended: a lost connection marks the server down until a success. */
  noteOutcome(error?: unknown): void {
    if (error !== undefined) this.onError?.(error);
    if (error === undefined) this.downSince = 0;
    else if (isConnectionError(error) || findPgError(error)?.code.startsWith("08") || findPgError(error)?.code.startsWith("57P")) this.downSince ||= Date.now();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // The permit passes straight to the next waiter (FIFO), so inUse stays the same.
      if (next) next.grant();
      else this.inUse--;
    };
  }
}

interface Waiter {
  grant(): void;
}

/** The parts of a postgres.js Query the gate relies on (src/query.js of postgres 3.4). */
interface PgQuery extends Promise<unknown> {
  handler: (query: PgQuery) => void;
  /** The backend ({ pid, secret }) once the query was written to a connection; null before. */
  state: unknown;
  cancelled: unknown;
  canceller: ((query: PgQuery) => Promise<void>) | null;
  reject(error: unknown): void;
}

function isQuery(value: unknown): value is PgQuery {
  return value instanceof Promise && typeof (value as Partial<PgQuery>).handler === "function" && "cancelled" in value;
}

/**
 * Cancels a query once postgres.js has sent it (state set); a query still waiting for its
 * connection (connecting) is checked again shortly — cancelling it there wedges the connection.
 * The canceller is called directly: Query#cancel() drops its promise, which rejects (unhandled)
 * when the server is unreachable.
 */
function cancelWhenStarted(query: PgQuery, settled: () => boolean): void {
  if (settled()) return;
  if (!query.state) {
    setTimeout(() => cancelWhenStarted(query, settled), 20);
    return;
  }
  const cancel = query.canceller;
  query.canceller = null;
  cancel?.(query).catch(() => {});
}

/** Cancels `query` when the scope's signal fires before it settles; returns the unhook. */
function watch(query: PgQuery, scope: DbScope | undefined): () => void {
  const signal = scope?.signal;
  if (!signal) return () => {};
  let done = false;
  const onAbort = () => cancelWhenStarted(query, () => done);
  signal.addEventListener("abort", onAbort, { once: true });
  const stop = () => {
    done = true;
    signal.removeEventListener("abort", onAbort);
  };
  Promise.prototype.then.call(query, stop, stop);
  if (signal.aborted) onAbort();
  return stop;
}

/** An autocommit query: waits for a permit before postgres.js sees it, holds it until it settles. */
function gateQuery(query: PgQuery, gate: PoolGate): PgQuery {
  const run = query.handler;
  const scope = currentDbScope();
  query.handler = (q) => {
    gate.acquire(scope).then(
      (release) => {
        // Cancelled by its owner while waiting: postgres.js already rejected it.
        if (q.cancelled) return release();
        Promise.prototype.then.call(q, () => (release(), gate.noteOutcome()), (error: unknown) => (release(), gate.noteOutcome(error)));
        watch(q, scope);
        run(q);
      },
      (error: unknown) => q.reject(error),
    );
  };
  return query;
}

/** A query inside a transaction (the permit is the transaction's): refused once abandoned, cancelled on abort. */
function scopeQuery(query: PgQuery, scope: DbScope | undefined): PgQuery {
  const run = query.handler;
  query.handler = (q) => {
    if (isAbandoned(scope)) return q.reject(deadlineExceeded());
    watch(q, scope);
    run(q);
  };
  return query;
}

type Wrap = (query: PgQuery) => PgQuery;

/** A proxy of a postgres.js `sql` (pool or transaction) whose queries pass through `wrap`. */
function wrapSql(target: postgres.Sql, wrap: Wrap, overrides: Record<string, unknown>): postgres.Sql {
  return new Proxy(target, {
    apply(fn, thisArg, args) {
      const result = Reflect.apply(fn as (...a: unknown[]) => unknown, thisArg, args);
      return isQuery(result) ? wrap(result) : result;
    },
    get(obj, prop) {
      if (typeof prop === "string" && prop in overrides) return overrides[prop];
      if (prop === "unsafe") {
        return (...args: unknown[]) => {
          const result = (obj.unsafe as (...a: unknown[]) => unknown)(...args);
          return isQuery(result) ? wrap(result) : result;
        };
      }
      return Reflect.get(obj, prop, obj);
    },
  });
}

/** The statement_timeout a transaction of this scope sets for itself, if not the connection's. */
function transactionTimeout(scope: DbScope | undefined, connectionDefault: number): number | undefined {
  const wanted = scope?.statementTimeoutMs;
  const left = remainingMs(scope);
  if (wanted === undefined && left >= connectionDefault) return undefined;
  return Math.max(1, Math.ceil(Math.min(wanted ?? connectionDefault, left)));
}

function splitFn(args: unknown[]): [unknown[], (sql: postgres.Sql) => unknown] {
  return [args.slice(0, -1), args[args.length - 1] as (sql: postgres.Sql) => unknown];
}

/** A transaction's `sql` (and its savepoints'), refusing and cancelling queries of an abandoned scope. */
function wrapTransaction(tx: postgres.Sql, scope: DbScope | undefined): postgres.Sql {
  const savepoint = (...args: unknown[]) => {
    const [head, fn] = splitFn(args);
    return (tx as unknown as { savepoint(...a: unknown[]): Promise<unknown> }).savepoint(...head, (sp: postgres.Sql) => fn(wrapTransaction(sp, scope)));
  };
  return wrapSql(tx, (q) => scopeQuery(q, scope), { savepoint });
}

/**
 * The pool's `sql` behind the gate. `sql.begin` holds one permit for the whole transaction and,
 * in a scope: sets a transaction-local statement_timeout (the request's remaining time, or a job's
 * longer bound; a bound parameter of set_config, and local so a transaction pooler's next client
 * never inherits it), refuses and cancels its queries once the scope is abandoned, and checks the
 * scope once more after the callback — an abandoned request rolls back instead of committing.
 */
export function gatedSql(raw: postgres.Sql, gate: PoolGate, statementTimeoutMs: number): postgres.Sql {
  const begin = (...args: unknown[]) => {
    const [head, fn] = splitFn(args);
    const scope = currentDbScope();
    return gate.acquire(scope).then(async (release) => {
      try {
        const result = await (raw.begin as (...a: unknown[]) => Promise<unknown>)(...head, async (tx: postgres.Sql) => {
          const timeout = transactionTimeout(scope, statementTimeoutMs);
          if (timeout !== undefined) await tx`SELECT set_config('statement_timeout', ${String(timeout)}, true)`;
          const value = await fn(wrapTransaction(tx, scope));
          if (isAbandoned(scope)) throw deadlineExceeded();
          return value;
        });
        gate.noteOutcome();
        return result;
      } catch (error) {
        gate.noteOutcome(error);
        throw error;
      } finally {
        release();
      }
    });
  };
  return wrapSql(raw, (q) => gateQuery(q, gate), { begin });
}
