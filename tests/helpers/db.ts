// Each test file gets a fresh, migrated database. Order of preference:
//  1. TEST_DATABASE_URL: a server where we may CREATE DATABASE. Migrations run once into a template
//     database named after their checksum; each file clones it (fast) and drops its clone after.
//  2. Testcontainers' PostgreSQL, when a Docker engine answers.
//  3. PGlite in memory (one session): tests that need concurrent connections skip, saying why.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import postgres from "postgres";
import { env } from "../../src/env";
import { connectPostgres, openPglite, type Database } from "../../src/db/client";
import { loadMigrations, migrate } from "../../src/db/migrate";

export interface TestDatabase extends Database {
  /** Connection URL of this file's database as the app reaches it: through TEST_POOLER_URL when set (null on PGlite). */
  url: string | null;
  /** The same database on the server itself, never through a pooler (null on PGlite). */
  directUrl: string | null;
}

const migrations = loadMigrations();
const migrationsHash = createHash("sha256")
  .update(migrations.map((m) => m.name + m.checksum).join("|"))
  .digest("hex")
  .slice(0, 12);
const TEMPLATE = `vrss_tpl_${migrationsHash}`;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function ensureTemplate(admin: postgres.Sql, serverUrl: string): Promise<void> {
  // Serialize template creation across concurrently running test processes.
  await admin`SELECT pg_advisory_lock(4242001)`;
  try {
    const [found] = await admin`SELECT 1 FROM pg_database WHERE datname = ${TEMPLATE}`;
    if (found) return;
    // Templates of other migration sets are left alone: another checkout's run may be cloning them.
    await admin.unsafe(`CREATE DATABASE "${TEMPLATE}"`);
    const tpl = postgres(withDatabase(serverUrl, TEMPLATE), { max: 1, onnotice: () => {} });
    try {
      await migrate(tpl, migrations);
    } finally {
      await tpl.end();
    }
  } finally {
    await admin`SELECT pg_advisory_unlock(4242001)`;
  }
}

// Clone names carry their creation time (base 36 ms): `vrss_t_<time>_<random>`. A run drops its
// own clones when each file ends; clones of runs that died (killed, out of memory) are removed
// by a later run once STALE_CLONE_MS old — only those, and only when nobody is connected (a plain
// DROP DATABASE refuses otherwise). Templates and older-style names are never touched.
const CLONE = /^vrss_t_([0-9a-z]{8,10})_[0-9a-f]{12}$/;
const STALE_CLONE_MS = 6 * 3600_000;
let staleSwept = false;

async function dropStaleClones(admin: postgres.Sql): Promise<void> {
  if (staleSwept) return;
  staleSwept = true;
  const rows = await admin<{ datname: string }[]>`SELECT datname FROM pg_database WHERE datname LIKE 'vrss_t_%'`; // filtered by CLONE below
  for (const { datname } of rows) {
    const m = CLONE.exec(datname);
    if (!m || Date.now() - parseInt(m[1]!, 36) < STALE_CLONE_MS) continue;
    await admin.unsafe(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {}); // in use: left alone
  }
}

async function fromServer(serverUrl: string): Promise<TestDatabase> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await ensureTemplate(admin, serverUrl);
    await dropStaleClones(admin);
    const name = `vrss_t_${Date.now().toString(36)}_${randomBytes(6).toString("hex")}`;
    await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE}"`);
    const directUrl = withDatabase(serverUrl, name);
    // The pooler lane (TEST_POOLER_URL: PgBouncer in transaction mode in front of the same server)
    // puts every app and test query through it; creating and dropping databases stays direct.
    const url = withDatabase(env.TEST_POOLER_URL ?? serverUrl, name);
    // A longer wait for a pool connection than production's 1 s: tests that fire dozens of
    // concurrent requests expect every one to succeed, and on a busy 2-core machine the queue
    // drains slower (DATABASE_BUSY is tested on its own, tests/faults/database.test.ts).
    const database = connectPostgres(url, { max: 20, prepare: env.DATABASE_PREPARE, pipeline: env.DATABASE_PIPELINE, acquireTimeoutMs: 5_000 });
    return {
      ...database,
      url,
      directUrl,
      async close() {
        await database.close();
        const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
        try {
          await dropper.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await dropper.end();
        }
      },
    };
  } finally {
    await admin.end();
  }
}

function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync("/var/run/docker.sock");
}

let container: { getConnectionUri(): string } | null = null;

async function fromTestcontainers(): Promise<TestDatabase | null> {
  if (!dockerAvailable()) return null;
  try {
    if (!container) {
      const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
      container = await new PostgreSqlContainer("postgres:16-alpine").start();
    }
    return fromServer(container.getConnectionUri());
  } catch (error) {
    console.warn(`[test-db] Docker socket present but Testcontainers failed (${String(error)}); falling back`);
    return null;
  }
}

let announcedPglite = false;

export async function createTestDatabase(): Promise<TestDatabase> {
  if (env.TEST_DATABASE_URL) return fromServer(env.TEST_DATABASE_URL);
  const fromDocker = await fromTestcontainers();
  if (fromDocker) return fromDocker;
  if (!announcedPglite) {
    console.warn(
      "[test-db] TEST_DATABASE_URL unset and no Docker engine: using in-memory PGlite. " +
        "Tests that need concurrent connections are skipped.",
    );
    announcedPglite = true;
  }
  const database = await openPglite("memory://");
  await migrate(database.sql, migrations);
  return { ...database, url: null, directUrl: null };
}

/**
 * Known when tests register (before any database exists): `test.skipIf(!canRunConcurrently)` for
 * tests that need several connections at once, which PGlite (one session) cannot give.
 */
export const canRunConcurrently: boolean = Boolean(env.TEST_DATABASE_URL) || dockerAvailable();
if (!canRunConcurrently) {
  console.warn("[test-db] concurrency tests will be skipped: they need PostgreSQL (set TEST_DATABASE_URL)");
}
