// Applies drizzle/NNNN_*.sql in order, each once, recorded in schema_migrations with a checksum.
// Everything runs in one transaction behind a transaction-scoped advisory lock, so two processes
// starting at once serialize: the second waits, then finds every migration applied.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type postgres from "postgres";

export const MIGRATIONS_DIR = resolve(import.meta.dir, "../../drizzle");
const LOCK_KEY = 7_236_111_042; // arbitrary constant shared by every VRSS process

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const text = readFileSync(join(dir, name), "utf8");
      return { name, sql: text, checksum: createHash("sha256").update(text).digest("hex") };
    });
}

export interface MigrateResult {
  applied: string[];
  total: number;
}

export async function migrate(sql: postgres.Sql, migrations = loadMigrations()): Promise<MigrateResult> {
  return sql.begin(async (tx) => {
    // No statement timeout for this transaction (the connection's is for requests, 5 s): waiting
    // for another process's migrations and a migration's backfill on a large database (0060 counts
    // every follow) legitimately take longer.
    await tx`SELECT set_config('statement_timeout', '0', true)`;
    await tx`SELECT pg_advisory_xact_lock(${LOCK_KEY})`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name VARCHAR(200) PRIMARY KEY,
      checksum VARCHAR(64) NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())`);
    const rows = await tx<{ name: string; checksum: string }[]>`SELECT name, checksum FROM schema_migrations`;
    const done = new Map(rows.map((r) => [r.name, r.checksum]));
    const applied: string[] = [];
    for (const m of migrations) {
      const previous = done.get(m.name);
      if (previous !== undefined) {
        if (previous !== m.checksum) {
          throw new Error(`migration ${m.name} was edited after it was applied; add a new migration instead`);
        }
        continue;
      }
      await tx.unsafe(m.sql);
      await tx`INSERT INTO schema_migrations (name, checksum) VALUES (${m.name}, ${m.checksum})`;
      applied.push(m.name);
    }
    return { applied, total: migrations.length };
  });
}

/** Names of migrations on disk that the database has not applied (empty when up to date). */
export async function pendingMigrations(sql: postgres.Sql, migrations = loadMigrations()): Promise<string[]> {
  const [exists] = await sql<{ ok: boolean }[]>`SELECT to_regclass('public.schema_migrations') IS NOT NULL AS ok`;
  if (!exists?.ok) return migrations.map((m) => m.name);
  const rows = await sql<{ name: string }[]>`SELECT name FROM schema_migrations`;
  const done = new Set(rows.map((r) => r.name));
  return migrations.filter((m) => !done.has(m.name)).map((m) => m.name);
}
