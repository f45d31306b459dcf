// One driver everywhere: postgres.js. With DATABASE_URL unset, an embedded PGlite database is
// served on a loopback socket (pglite-socket) and postgres.js connects to it, so the app, the
// migrations and the tests run the same code against PGlite and against real PostgreSQL.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema";
import { databaseUnavailable, findPgError, isConnectionError } from "../lib/errors";
import { currentDbScope, deadlineExceeded, isAbandoned, remainingMs, type DbScope } from "./request-deadline";

export type Schema = typeof schema;
/** A connection pool or a transaction: query functions take either, so callers can compose them. */
export type Db = PostgresJsDatabase<Schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export type DatabaseKind = "postgres" | "pglite";

export interface Database {
  kind: DatabaseKind;
  db: Db;
  /** The raw postgres.js client, for the migrator and LISTEN-free admin work. */
  sql: postgres.Sql;
  /** Whether several connections can run at once (false on PGlite: one session). */
  concurrent: boolean;
  /** A description safe to log (no password). */
  describe: string;
  /** The bounded wait for a pool connection (PostgreSQL only; PGlite's single session has none). */
  gate?: PoolGate;
  close(): Promise<void>;
}

export interface PostgresOptions {
  max?: number;
  /**
   * Named prepared statements (default off). Behind a transaction pooler a named statement meets a
   * server connection that never prepared it; postgres.js then retries inside the aborted
   * transaction and its COMMIT silently rolls back: acknowledged writes are lost. Unnamed
   * statements are safe on any pooler (at the price of a Parse per query).
   */
  prepare?: boolean;
  /**
   * Send queries behind an unfinished autocommit query on the same connection (default off).
   * Behind a transaction pooler the server is released when the first one ends and the one behind
   * it is never answered. Off needs patches/postgres@3.4.9.patch (upstream, max_pipeline: 0 breaks
   * sql.begin); inside transactions queries still pipeline.
   */
  pipeline?: boolean;
  applicationName?: string;
  /** Server-side bound of one statement (ms), set at connection start; 0 = none. Default 5000. */
  statementTimeoutMs?: number;
  /** A session idle inside a transaction longer than this (ms) is ended by the server. Default 10000. */
  idleInTransactionTimeoutMs?: number;
  /** Giving up on opening a connection (ms). Default 1000. */
  connectTimeoutMs?: number;
  /** How long a query or transaction may wait for a free pool connection before 503 DATABASE_BUSY (ms). Default 1000. */
  acquireTimeoutMs?: number;
  /** Told once when the server (a pooler) refused the timeouts as startup parameters and they were dropped. */
  onWarning?: (message: string) => void;
}

/** The timeouts sent as startup parameters (a pooler may refuse them: see stripRefusedParameters). */
const TIMEOUT_PARAMETERS = ["statement_timeout", "idle_in_transaction_session_timeout"] as const;

/** PgBouncer's answer to a startup parameter it does not know and was not told to ignore. */
function isRefusedStartupParameter(error: unknown): boolean {
  const pg = findPgError(error);
  return pg?.code === "08P01" && /unsupported startup parameter/i.test(String((pg as { message?: unknown }).message ?? (error as { message?: unknown })?.message ?? ""));
}

/**
 * Reconnect delay (seconds) after failed attempts. postgres.js' default grows to 20 s, and every
 * query queued behind the connection waits that long; capped at 0.25 s, a query meets a refused
 * server within ~0.25 s (503) and the first query after the server returns reconnects at once.
 */
const reconnectBackoff = (retries: number) => Math.min(0.25, 0.02 * 2 ** retries);

export function connectPostgres(url: string, opts: PostgresOptions = {}): Database {
  const max = opts.max ?? 10;
  const statementTimeoutMs = opts.statementTimeoutMs ?? 5000;
  const raw = postgres(url, {
    max,
    prepare: opts.prepare ?? false,
    // max_pipeline is a postgres.js option its type declarations omit.
    ...({ max_pipeline: opts.pipeline ? 100 : 0 } as object),
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: (opts.connectTimeoutMs ?? 1000) / 1000,
    backoff: reconnectBackoff,
    // Startup parameters: honoured on a direct connection; a transaction pooler drops them (see
    // README, Deploying → Pooler: set them as role defaults there too).
    connection: {
      application_name: opts.applicationName ?? "vrss",
      statement_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 10_000,
    },
  });
  // PgBouncer (1.18 and later) refuses a connection whose startup packet carries a parameter it
  // neither knows nor lists in ignore_startup_parameters. Then the timeouts are dropped from every
  // later connect (postgres.js reads options.connection at each connect), once, with a warning:
  // the pooler's connect_query or a role default must set them (README, Deploying → Pooler). The
  // per-request deadline and the transactions' local statement_timeout hold either way.
  const startup = (raw as unknown as { options: { connection: Record<string, unknown> } }).options.connection;
  const stripRefusedParameters = (error: unknown) => {
    if (!isRefusedStartupParameter(error) || !TIMEOUT_PARAMETERS.some((p) => p in startup)) return;
    for (const p of TIMEOUT_PARAMETERS) delete startup[p];
    opts.onWarning?.("the database (a pooler) refused statement_timeout / idle_in_transaction_session_timeout as startup parameters: connecting without them; set them in the pooler's connect_query or as role defaults");
  };
  // Everything — Drizzle, the tagged templates of health/migrations — goes through the gate.
  const gate = new PoolGate(max, opts.acquireTimeoutMs ?? 1000, stripRefusedParameters);
  const sql = gatedSql(raw, gate, statementTimeoutMs);
  const db = drizzle(sql, { schema });
  const u = new URL(url);
  return {
    kind: "postgres",
    db,
    sql,
    concurrent: true,
    describe: `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`,
    gate,
    close: () => raw.end({ timeout: 5 }),
  };
}

/** Embedded PGlite, persisted under `dataDir` (or in memory with "memory://"). */
export async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  let location = dataDir;
  if (!dataDir.startsWith("memory://")) {
    location = resolve(join(dataDir, "pglite"));
    mkdirSync(location, { recursive: true });
  }
  const pg = await PGlite.create(location);
  const server = new PGLiteSocketServer({ db: pg, port: 0, host: "127.0.0.1" });
  await server.start();
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  // PGlite is a single session: one connection, so transactions can never interleave.
  const sql = postgres({
    host: "127.0.0.1",
    port: address.port,
    user: "postgres",
    database: "postgres",
    max: 1,
    onnotice: () => {},
  });
  const db = drizzle(sql, { schema });
  return {
    kind: "pglite",
    db,
    sql,
    concurrent: false,
    describe: `pglite ${location}`,
    async close() {
      await sql.end({ timeout: 5 });
      await server.stop();
      await pg.close();
    },
  };
}

export async function openDatabase(config: { url?: string; dataDir: string } & Omit<PostgresOptions, "max"> & { poolMax?: number }): Promise<Database> {
  const { url, dataDir, poolMax, ...options } = config;
  if (!url) return openPglite(dataDir);
  const database = connectPostgres(url, { ...options, max: poolMax });
  // The first connection tells whether a pooler refuses the timeout parameters; a refusal is
  // handled (dropped, warned) and answered by a second try instead of failing the start.
  await database.sql`SELECT 1`.catch((error: unknown) => {
    if (!isRefusedStartupParameter(error)) throw error;
    return database.sql`SELECT 1`;
  });
  return database;
}


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
