// Server-side figures for bench/load.ts: PostgreSQL time per request from pg_stat_statements, and
// what the cache holds in Redis.
//
// PostgreSQL: each process under test connects as its own role (VRSS as vrss_bench_app, the spec
// baseline as vrss_bench_spec), so a cell's statements are told apart from the bench's own fixture
// queries and from the other process by pg_stat_statements.userid. The extension lives in the
// cluster's maintenance database (bench/cluster.sh); the view covers every database, filtered here
// by dbid. Time = execution + planning (track_planning on: VRSS sends unnamed statements, so every
// query is planned); the VRSS figure includes its background jobs (RUN_JOBS=true, as deployed).
import type postgres from "postgres";
import type Redis from "ioredis";

export const APP_ROLE = "vrss_bench_app";
export const SPEC_ROLE = "vrss_bench_spec";

/** Login roles for the two processes; superuser so that the app's start-up migrate check and every query run unchanged. */
export async function ensureRoles(admin: postgres.Sql): Promise<void> {
  for (const role of [APP_ROLE, SPEC_ROLE]) {
    const [exists] = await admin`SELECT 1 FROM pg_roles WHERE rolname = ${role}`;
    if (!exists) await admin.unsafe(`CREATE ROLE ${role} LOGIN SUPERUSER`);
  }
}

export async function pgStatsAvailable(stats: postgres.Sql): Promise<string | null> {
  try {
    const [lib] = await stats<{ v: string }[]>`SELECT current_setting('shared_preload_libraries') AS v`;
    if (!lib!.v.includes("pg_stat_statements")) return "pg_stat_statements is not in shared_preload_libraries (use bench/cluster.sh)";
    await stats`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`;
    await stats`SELECT 1 FROM pg_stat_statements LIMIT 1`;
    return null;
  } catch (error) {
    return `pg_stat_statements unavailable: ${String(error)}`;
  }
}

/**
 * Waits until neither process under test has a statement running: a cell whose clients gave up
 * (timeouts) can leave queries queued in the server, which must not run into the next cell.
 */
export async function waitPgQuiet(stats: postgres.Sql, maxMs = 120_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < maxMs) {
    const [row] = await stats<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE usename IN (${APP_ROLE}, ${SPEC_ROLE}) AND state = 'active' AND pid <> pg_backend_pid()`;
    if (!row!.n) break;
    await Bun.sleep(100);
  }
  return performance.now() - started;
}

export async function resetPgStats(stats: postgres.Sql): Promise<void> {
  await stats`SELECT pg_stat_statements_reset()`;
}

export interface PgCell {
  ms: number;
  calls: number;
  /** The statements with the most total time, for the report's notes. */
  top: { query: string; ms: number; calls: number }[];
}

export async function readPgStats(stats: postgres.Sql, role: string, database: string): Promise<PgCell> {
  const rows = await stats<{ query: string; ms: number; calls: string }[]>`
    SELECT s.query, (s.total_exec_time + s.total_plan_time)::float8 AS ms, s.calls::text AS calls
    FROM pg_stat_statements s
    WHERE s.userid = (SELECT oid FROM pg_roles WHERE rolname = ${role})
      AND s.dbid = (SELECT oid FROM pg_database WHERE datname = ${database})
    ORDER BY ms DESC`;
  let ms = 0;
  let calls = 0;
  for (const r of rows) {
    ms += r.ms;
    calls += Number(r.calls);
  }
  return {
    ms,
    calls,
    top: rows.slice(0, 3).map((r) => ({ query: r.query.replace(/\s+/g, " ").slice(0, 160), ms: r.ms, calls: Number(r.calls) })),
  };
}

export interface RedisReport {
  usedMemory: number;
  usedMemoryHuman: string;
  /** used_memory_peak: cache entries expire (home pages after 60 s), the peak is the run's high-water mark. */
  peakHuman: string;
  keys: number;
  /** Key families by prefix (the key up to its second ':' after the deployment prefix), biggest count first. */
  prefixes: { prefix: string; keys: number; bytes: number; sampled: number }[];
  /** Keys matching *tl:* (Redis timelines, when the engine has them). */
  timelines: { keys: number; bytes: number };
}

const SAMPLE_PER_PREFIX = 200;

/** used_memory, and a SCAN of every key grouped by prefix; bytes via MEMORY USAGE (sampled per family, scaled up). */
export async function redisReport(redis: Redis, keyPrefix: string): Promise<RedisReport> {
  const info = await redis.info("memory");
  const field = (name: string) => info.match(new RegExp(`^${name}:(.*)$`, "m"))?.[1]?.trim() ?? "";
  const families = new Map<string, { keys: number; sample: string[] }>();
  let keys = 0;
  const tl: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "COUNT", 1000);
    cursor = next;
    for (const key of batch) {
      keys++;
      const rest = key.startsWith(keyPrefix) ? key.slice(keyPrefix.length) : key;
      const parts = rest.split(":");
      const prefix = (key.startsWith(keyPrefix) ? keyPrefix : "") + parts.slice(0, parts.length > 2 ? 2 : 1).join(":");
      let f = families.get(prefix);
      if (!f) families.set(prefix, (f = { keys: 0, sample: [] }));
      f.keys++;
      if (f.sample.length < SAMPLE_PER_PREFIX) f.sample.push(key);
      if (key.includes("tl:")) tl.push(key);
    }
  } while (cursor !== "0");

  const usage = async (list: string[]) => {
    let total = 0;
    for (const k of list) total += Number((await redis.call("MEMORY", "USAGE", k, "SAMPLES", "0")) ?? 0);
    return total;
  };
  const prefixes: RedisReport["prefixes"] = [];
  for (const [prefix, f] of families) {
    const sampledBytes = await usage(f.sample);
    prefixes.push({ prefix, keys: f.keys, bytes: f.sample.length ? (sampledBytes / f.sample.length) * f.keys : 0, sampled: f.sample.length });
  }
  prefixes.sort((a, b) => b.keys - a.keys);
  const tlSample = tl.slice(0, 5_000);
  const tlBytes = tlSample.length ? ((await usage(tlSample)) / tlSample.length) * tl.length : 0;
  return {
    usedMemory: Number(field("used_memory")),
    usedMemoryHuman: field("used_memory_human"),
    peakHuman: field("used_memory_peak_human"),
    keys,
    prefixes: prefixes.slice(0, 10),
    timelines: { keys: tl.length, bytes: tlBytes },
  };
}
