// One driver everywhere: postgres.js. With DATABASE_URL unset, an embedded PGlite database is
// served on a loopback socket (pglite-socket) and postgres.js connects to it, so the app, the
// migrations and the tests run the same code against PGlite and against real PostgreSQL.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import postgres from "postgres";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import * as schema from "./schema";

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
}

/**
 * Reconnect delay (seconds) after failed attempts. postgres.js' default grows to 20 s, and every
 * query queued behind the connection waits that long; capped at 0.25 s, a query meets a refused
 * server within ~0.25 s (503) and the first query after the server returns reconnects at once.
 */
const reconnectBackoff = (retries: number) => Math.min(0.25, 0.02 * 2 ** retries);

export function connectPostgres(url: string, opts: PostgresOptions = {}): Database {
  const sql = postgres(url, {
    max: opts.max ?? 10,
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
      statement_timeout: opts.statementTimeoutMs ?? 5000,
      idle_in_transaction_session_timeout: opts.idleInTransactionTimeoutMs ?? 10_000,
    },
  });
  const db = drizzle(sql, { schema });
  const u = new URL(url);
  return {
    kind: "postgres",
    db,
    sql,
    concurrent: true,
    describe: `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`,
    close: () => sql.end({ timeout: 5 }),
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
  if (config.url) return connectPostgres(config.url, { max: config.poolMax, prepare: config.prepare, pipeline: config.pipeline });
  return openPglite(config.dataDir);
}
