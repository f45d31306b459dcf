// The job runner against real PostgreSQL: several runners (each with its own connection pool and
// worker id, as separate server processes would be) share one job_schedule, so a job runs once per
// period in total, never twice at once; a crashed worker's lease expires and another picks the job
// up; long jobs keep their lease by heartbeat; no transaction is open while a job runs; a failing
// job records its error, backs off and does not stop the runner. Last, the same runner on an
// embedded PGlite (one connection) lets queries through while a job is in flight.
import { afterAll, beforeAll, describe, expect, test, setDefaultTimeout } from "bun:test";
import { sql } from "drizzle-orm";
import { connectPostgres, openPglite, type Database } from "../../src/db/client";
import { migrate } from "../../src/db/migrate";
import { one } from "../../src/db/query";
import {
  claimJob,
  finishJob,
  readJobSchedule,
  registerJobs,
  runJobOnce,
  startJobs,
  type Job,
  type JobRunner,
} from "../../src/jobs/runner";
import type { AppDeps } from "../../src/trpc/context";
import { canRunConcurrently, createTestDatabase, type TestDatabase } from "../helpers/db";

setDefaultTimeout(30_000); // see tests/setup.ts

let t: TestDatabase;
const pools: Database[] = [];
const runners: JobRunner[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
});

afterAll(async () => {
  await Promise.allSettled(runners.map((r) => r.stop()));
  for (const p of pools) await p.close();
  await t.close();
});

interface LogEntry {
  level: string;
  obj: unknown;
  msg?: string;
}

/** A logger that remembers what it was told (the runner only calls info/warn/error). */
function captureLog(into: LogEntry[]) {
  const at = (level: string) => (obj: unknown, msg?: string) => void into.push({ level, obj, msg });
  return { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

/** Dependencies of one simulated server process: its own pool on this file's database. */
function processDeps(log: LogEntry[] = []): AppDeps {
  const database = connectPostgres(t.url!, { max: 4 });
  pools.push(database);
  return { database, log: captureLog(log) } as unknown as AppDeps;
}

function start(deps: AppDeps, jobs: Job[], opts: Parameters<typeof startJobs>[2]): JobRunner {
  const runner = startJobs(deps, jobs, opts);
  runners.push(runner);
  return runner;
}

async function maybeRow(name: string) {
  return (await readJobSchedule(t.db)).find((r) => r.name === name);
}

async function row(name: string) {
  const found = await maybeRow(name);
  if (!found) throw new Error(`no job_schedule row for ${name}`);
  return found;
}

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** A job that counts its runs and the most runs it ever saw at once. */
function countingJob(name: string, everyMs: number, workMs: number) {
  const stats = { runs: 0, active: 0, maxActive: 0, starts: [] as number[] };
  const job: Job = {
    name,
    everyMs,
    async run() {
      stats.active++;
      stats.maxActive = Math.max(stats.maxActive, stats.active);
      stats.starts.push(Date.now());
      try {
        await Bun.sleep(workMs);
      } finally {
        stats.active--;
        stats.runs++;
      }
    },
  };
  return { job, stats };
}

describe.skipIf(!canRunConcurrently)("several runners on one database", () => {
  test("a 300 ms job over ~2 s with 3 runners: one run per period, never two at once, no drift", async () => {
    const period = 300;
    const { job, stats } = countingJob("test-periodic", period, 40);
    const group = [0, 1, 2].map((i) => start(processDeps(), [job], { workerId: `periodic-${i}`, tickMs: 25 }));
    await waitFor("the first run", () => stats.starts.length > 0);
    await Bun.sleep(2_000);
    const stoppedAt = Date.now();
    await Promise.all(group.map((r) => r.stop()));

    const first = stats.starts[0]!;
    const expected = Math.floor((stoppedAt - first) / period) + 1; // runs due at first, first+300, …
    expect(Math.abs(stats.runs - expected)).toBeLessThanOrEqual(1);
    expect(stats.runs).toBeGreaterThanOrEqual(6);
    expect(stats.maxActive).toBe(1);
    const r = await row("test-periodic");
    expect(Number(r.runs)).toBe(stats.runs); // the column the scale-out benchmark reads
    expect(r.locked_by).toBeNull();
    expect(r.last_error).toBeNull();
    // Anchored to the schedule: the last start is (runs − 1) periods after the first, give or take
    // one tick's lateness — not pushed back by each run's 40 ms and each tick's delay.
    const drift = stats.starts.at(-1)! - first - (stats.starts.length - 1) * period;
    expect(drift).toBeGreaterThan(-80);
    expect(drift).toBeLessThan(200);
  });

  test("a daily job runs exactly once across 2 runners, also after they restart", async () => {
    const { job, stats } = countingJob("test-daily", 24 * 3_600_000, 5);
    const a = processDeps();
    const b = processDeps();
    let group = [start(a, [job], { workerId: "daily-a", tickMs: 20 }), start(b, [job], { workerId: "daily-b", tickMs: 20 })];
    await waitFor("the first run", () => stats.runs > 0);
    await Bun.sleep(500); // ~25 more ticks each
    await Promise.all(group.map((r) => r.stop()));
    // New processes (new worker ids) find the schedule where the old ones left it.
    group = [start(a, [job], { workerId: "daily-a2", tickMs: 20 }), start(b, [job], { workerId: "daily-b2", tickMs: 20 })];
    await Bun.sleep(300);
    await Promise.all(group.map((r) => r.stop()));

    expect(stats.runs).toBe(1);
    const r = await row("test-daily");
    expect(Number(r.runs)).toBe(1);
    expect(["daily-a", "daily-b"]).toContain(r.last_worker!);
    const [due] = await t.sql<{ hours: number }[]>`
      SELECT EXTRACT(EPOCH FROM next_run_at - now()) / 3600 AS hours FROM job_schedule WHERE name = 'test-daily'`;
    expect(Number(due!.hours)).toBeGreaterThan(23.9);
    expect(Number(due!.hours)).toBeLessThanOrEqual(24);
  });

  test("crash: a claimed job whose lease expires is picked up by another worker", async () => {
    const { job, stats } = countingJob("test-crash", 3_600_000, 5);
    await registerJobs(t.db, [job]);
    // A worker claims the job and dies: it never renews nor finishes.
    const claimedAt = Date.now();
    expect(await claimJob(t.db, "crashed-worker", [job.name], { leaseMs: 600 })).toEqual({ name: "test-crash", due: true });
    start(processDeps(), [job], { workerId: "survivor", tickMs: 20 });
    await Bun.sleep(250);
    expect(stats.runs).toBe(0); // the lease is live: nobody else may run it
    expect((await row("test-crash")).locked_by).toBe("crashed-worker");
    await waitFor("the survivor's run", async () => Number((await row("test-crash")).runs) === 1);
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(600);
    expect(stats.runs).toBe(1);
    const r = await row("test-crash");
    expect([r.last_worker, r.locked_by, r.last_error]).toEqual(["survivor", null, null]);

    // Same with a lease already in the past (set directly): runJobOnce takes it at once.
    await t.sql`UPDATE job_schedule SET locked_by = 'dead', locked_until = now() - interval '1 second' WHERE name = 'test-crash'`;
    expect(await runJobOnce({ database: t } as unknown as AppDeps, job)).toBeUndefined(); // ran (the job reports nothing)
    expect(stats.runs).toBe(2);
  });

  test("a worker whose lease was taken over records nothing when it finally finishes", async () => {
    await registerJobs(t.db, [{ name: "test-fence", everyMs: 60_000, run: async () => {} }]);
    const stale = await claimJob(t.db, "stalled", ["test-fence"], { leaseMs: 1 });
    expect(stale).not.toBeNull();
    await Bun.sleep(20);
    const fresh = await claimJob(t.db, "taker", ["test-fence"], { leaseMs: 60_000 });
    expect(fresh).toEqual({ name: "test-fence", due: true });
    expect(await finishJob(t.db, "stalled", stale!, {})).toBe(false);
    expect((await row("test-fence")).locked_by).toBe("taker");
    expect(await finishJob(t.db, "taker", fresh!, {})).toBe(true);
    const r = await row("test-fence");
    expect([Number(r.runs), r.last_worker, r.locked_by]).toEqual([1, "taker", null]);
  });

  test("a job longer than its lease keeps it by heartbeat: the other runner never starts it too", async () => {
    const { job, stats } = countingJob("test-heartbeat", 3_600_000, 1_000);
    const opts = { tickMs: 20, leaseMs: 200 }; // heartbeat every ~66 ms
    const group = [start(processDeps(), [job], { ...opts, workerId: "hb-a" }), start(processDeps(), [job], { ...opts, workerId: "hb-b" })];
    await waitFor("the first run", () => stats.starts.length > 0);
    await Bun.sleep(500); // well past the 200 ms lease
    const r = await row("test-heartbeat");
    expect(["hb-a", "hb-b"]).toContain(r.locked_by!);
    const [lease] = await t.sql<{ live: boolean }[]>`SELECT locked_until > now() AS live FROM job_schedule WHERE name = 'test-heartbeat'`;
    expect(lease!.live).toBe(true);
    await waitFor("the run's end", () => stats.runs === 1);
    await Bun.sleep(200);
    await Promise.all(group.map((g) => g.stop()));
    expect(stats.runs).toBe(1);
    expect(stats.maxActive).toBe(1);
    expect(Number((await row("test-heartbeat")).runs)).toBe(1);
  });

  test("no transaction is open while a job runs (pg_stat_activity shows no idle-in-transaction backend)", async () => {
    const idleInTransaction = async (): Promise<number> => {
      const [r] = await t.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()`;
      return r!.n;
    };
    // The probe sees one when there is one (what the advisory-lock runner left during every run).
    await t.sql.begin(async (tx) => {
      await tx`SELECT 1`;
      expect(await idleInTransaction()).toBeGreaterThanOrEqual(1);
    });

    const seen: number[] = [];
    const probeJob: Job = {
      name: "test-no-transaction",
      everyMs: 200,
      async run(deps) {
        await deps.database.db.execute(sql`SELECT count(*) FROM job_schedule`); // the job uses the pool
        seen.push(await idleInTransaction());
      },
    };
    const group = [0, 1].map((i) => start(processDeps(), [probeJob], { workerId: `tx-${i}`, tickMs: 20 }));
    await waitFor("three runs", () => seen.length >= 3);
    await Promise.all(group.map((g) => g.stop()));
    await runJobOnce({ database: t } as unknown as AppDeps, probeJob);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect(seen.every((n) => n === 0)).toBe(true);
  });

  test("a failing job records last_error, backs off, and the runner keeps running the others", async () => {
    const log: LogEntry[] = [];
    let healthy = 0;
    let flakyCalls = 0;
    const errorSeenOnRetry: (string | null)[] = [];
    const jobs: Job[] = [
      { name: "test-always-fails", everyMs: 24 * 3_600_000, run: async () => Promise.reject(new Error("boom")) },
      {
        name: "test-flaky",
        everyMs: 150,
        async run(deps) {
          flakyCalls++;
          if (flakyCalls === 1) throw new TypeError("first call fails");
          if (flakyCalls === 2) {
            const r = await one<{ last_error: string | null }>(deps.database.db, sql`SELECT last_error FROM job_schedule WHERE name = 'test-flaky'`);
            errorSeenOnRetry.push(r?.last_error ?? null);
          }
        },
      },
      { name: "test-healthy", everyMs: 100, run: async () => void healthy++ },
    ];
    const runner = start(processDeps(log), jobs, { workerId: "failing", tickMs: 20, retryMs: 100 });
    await waitFor("three failures", async () => ((await maybeRow("test-always-fails"))?.failures ?? 0) >= 3);
    await waitFor("the flaky job's recovery", () => flakyCalls >= 3);
    await runner.stop();

    const failed = await row("test-always-fails");
    expect(failed.last_error).toBe("Error: boom");
    expect(Number(failed.runs)).toBe(failed.failures);
    expect(failed.locked_by).toBeNull();
    // Retried after least(every, retry × 2^(failures − 1)) from the failure, not after a day.
    const [gap] = await t.sql<{ ms: number }[]>`
      SELECT EXTRACT(EPOCH FROM next_run_at - last_finished_at) * 1000 AS ms FROM job_schedule WHERE name = 'test-always-fails'`;
    expect(Number(gap!.ms)).toBeCloseTo(100 * 2 ** (failed.failures - 1), 0);

    expect(errorSeenOnRetry).toEqual(["TypeError: first call fails"]);
    const flaky = await row("test-flaky");
    expect([flaky.last_error, flaky.failures]).toEqual([null, 0]); // a success clears them
    expect(Number(flaky.runs)).toBe(flakyCalls);

    expect(healthy).toBeGreaterThanOrEqual(3);
    expect((await row("test-healthy")).last_error).toBeNull();
    const failures = log.filter((e) => e.level === "error" && e.msg === "job failed");
    expect(failures.length).toBeGreaterThanOrEqual(4); // 3+ boom, 1 flaky
    expect(log.filter((e) => e.msg === "job tick failed")).toEqual([]);
  });

  test("registering again updates a changed period and pulls a far next run in", async () => {
    await registerJobs(t.db, [{ name: "test-period-change", everyMs: 24 * 3_600_000, run: async () => {} }]);
    await t.sql`UPDATE job_schedule SET next_run_at = now() + interval '1 day' WHERE name = 'test-period-change'`;
    await registerJobs(t.db, [{ name: "test-period-change", everyMs: 60_000, run: async () => {} }]);
    const [r] = await t.sql<{ every_ms: string; within: boolean }[]>`
      SELECT every_ms, next_run_at <= now() + interval '1 minute' AS within FROM job_schedule WHERE name = 'test-period-change'`;
    expect([Number(r!.every_ms), r!.within]).toEqual([60_000, true]);
  });

  test("runJobOnce: null while another worker's lease is live; an undue job keeps its schedule", async () => {
    const { job, stats } = countingJob("test-once", 3_600_000, 1);
    const deps = { database: t } as unknown as AppDeps;
    await registerJobs(t.db, [job]);
    await t.sql`UPDATE job_schedule SET locked_by = 'other', locked_until = now() + interval '1 minute' WHERE name = 'test-once'`;
    expect(await runJobOnce(deps, job)).toBeNull();
    expect(stats.runs).toBe(0);
    await t.sql`UPDATE job_schedule SET locked_by = NULL, locked_until = NULL, next_run_at = '2100-01-01Z' WHERE name = 'test-once'`;
    await runJobOnce(deps, job);
    expect(stats.runs).toBe(1);
    const r = await row("test-once");
    expect([new Date(r.next_run_at).toISOString(), Number(r.runs)]).toEqual(["2100-01-01T00:00:00.000Z", 1]);
  });
});

describe("embedded PGlite (one connection)", () => {
  test("the runner runs jobs there, and queries are answered while a job is in flight", async () => {
    const database = await openPglite("memory://");
    try {
      await migrate(database.sql);
      const deps = { database, log: captureLog([]) } as unknown as AppDeps;
      let phase = "";
      const job: Job = {
        name: "test-pglite",
        everyMs: 3_600_000,
        async run(d) {
          await d.database.db.execute(sql`SELECT 1`);
          phase = "working";
          await Bun.sleep(800); // e.g. S3 calls between statements
          await d.database.db.execute(sql`SELECT 1`);
          phase = "done";
        },
      };
      const runner = startJobs(deps, [job], { tickMs: 20 });
      try {
        await waitFor("the job to start", () => phase === "working", 10_000);
        const began = Date.now();
        await database.sql`SELECT count(*) FROM users`; // a request's query
        expect(Date.now() - began).toBeLessThan(400);
        expect(phase).toBe("working");
        await waitFor("the job to finish", () => phase === "done", 10_000);
      } finally {
        await runner.stop();
      }
      const [r] = await database.sql<{ runs: string; locked_by: string | null }[]>`
        SELECT runs, locked_by FROM job_schedule WHERE name = 'test-pglite'`;
      expect([Number(r!.runs), r!.locked_by]).toEqual([1, null]);
    } finally {
      await database.close();
    }
  });
});
