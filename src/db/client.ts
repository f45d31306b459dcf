// One driver everywhere: postgres.js. With DATABASE_URL unset, an embedded PGlite database is
// served on a loopback socket (pglite-socket) and postgres.js connects to it, so the app, the
// migrations and the tests run the same code against PGlite and against real PostgreSQL.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema";
import { findPgError } from "../lib/errors";
import { gatedSql, PoolGate } from "./pool-gate";

export { PoolGate } from "./pool-gate";

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
  // unaccent backs full-text search (drizzle/0062); PGlite builds it in but loads it only on request.
  const { unaccent } = await import("@electric-sql/pglite/contrib/unaccent");
  const pg = await PGlite.create(location, { extensions: { unaccent } });
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
