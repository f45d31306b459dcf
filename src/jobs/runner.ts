// Background jobs, run once per period across every server process that runs them (RUN_JOBS).
//
// Each job has a row in job_schedule (drizzle/0050): its period (every_ms), when it is next due
// (next_run_at) and a lease (locked_by, locked_until). Every process ticks (once a second by
// default) and, in ONE autocommit statement, claims a due job nobody holds a live lease on —
// `UPDATE … WHERE name = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING` — writing its worker
// id and a lease of LEASE_MS. It then runs the job with no transaction open (the job's own
// statements and short transactions use the pool like any request), so no pooled connection sits
// idle in transaction (fine behind PgBouncer in transaction mode) and, on the embedded PGlite with
// its single connection, requests interleave with the job's statements instead of waiting behind
// it. While the job runs, the lease is renewed every LEASE_MS / 3 (heartbeat). When it ends:
//  * success: next_run_at = greatest(next_run_at + every, now()) — anchored to the schedule, so the
//    period does not drift by tick latency or run time, and never in the past, so a job that was
//    due long ago (every process was down) runs once on catch-up, not once per missed period;
//    runs + 1, failures = 0, last_error = NULL, lease cleared.
//  * failure: the error goes in last_error, runs + 1, failures + 1, lease cleared, and the job is
//    retried after least(every, RETRY_MS × 2^(failures − 1)) from now (30 s, 1 min, 2 min, … capped
//    at the job's own period and at 2^10 × RETRY_MS): a daily job hit by a transient error is not
//    skipped for a day, a short job keeps its cadence, and a job that keeps failing does not
//    hammer the database. The runner itself carries on with the other jobs.
// A process that dies mid-run stops renewing its lease; once locked_until passes, the next tick of
// any process claims the job again. A finish or heartbeat only applies while the lease is still
// this worker's (`locked_by = me`): a worker that lost its lease (stalled past it) records nothing.
// All times are the database's (now()), so processes' clocks need not agree.
//
// Database bounds: jobs run outside any request, so no request deadline applies, and they run in a
// job scope (src/db/request-deadline.ts, JOB_DB_SCOPE): a query waits up to JOB_ACQUIRE_TIMEOUT_MS
// for a pool connection (requests get 503 DATABASE_BUSY after DATABASE_ACQUIRE_TIMEOUT_MS; a job
// would rather wait its turn), and every transaction of a job sets its own statement_timeout of
// JOB_STATEMENT_TIMEOUT_MS (set_config(…, true): transaction-local, so it never leaks to the next
// user of a pooled connection) in place of the connections' DATABASE_STATEMENT_TIMEOUT_MS. Job
// statements that may run long (whole-table reconciliations, purges, the scheduler's batch) are
// therefore in transactions; the short autocommit ones keep the connection's bound.
//
// Measuring: job_schedule.runs counts finished runs per job; read it before and after a window
// (`SELECT name, runs FROM job_schedule`) to get runs per period whatever the number of processes.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { many, one } from "../db/query";
import { runInDbScope, type DbScope } from "../db/request-deadline";
import type { AppDeps } from "../trpc/context";
import { safeErrorText } from "../lib/logger";

export interface Job {
  name: string;
  everyMs: number;
  /** Returns a small report (counts) that is logged when non-empty. */
  run(deps: AppDeps): Promise<Record<string, number> | void>;
}

export type JobReport = Record<string, number> | void;

/** How long a claim holds a job without a heartbeat: what a crashed worker delays the job by. */
export const LEASE_MS = 30_000;
/** First retry delay after a failure (doubles per consecutive failure, capped by the period). */
export const RETRY_MS = 30_000;
/** How often each process looks for a due job. */
export const TICK_MS = 1_000;

/** A job's query may wait this long for a pool connection (requests: DATABASE_ACQUIRE_TIMEOUT_MS). */
export const JOB_ACQUIRE_TIMEOUT_MS = 30_000;
/** statement_timeout of a job's transactions (the connections' own is DATABASE_STATEMENT_TIMEOUT_MS). */
export const JOB_STATEMENT_TIMEOUT_MS = 600_000;
/** The database scope jobs and the runner's own statements run in (see the header). */
export const JOB_DB_SCOPE: DbScope = { acquireTimeoutMs: JOB_ACQUIRE_TIMEOUT_MS, statementTimeoutMs: JOB_STATEMENT_TIMEOUT_MS };

/** This process's worker id: host, pid and a random suffix (pids repeat across containers). */
export const processWorkerId = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;

export interface RunnerOptions {
  /** Identifies this runner in job_schedule.locked_by (default: processWorkerId). */
  workerId?: string;
  tickMs?: number;
  leaseMs?: number;
  retryMs?: number;
}

const msInterval = (ms: number): SQL => sql`(${ms}::double precision * interval '1 millisecond')`;
const nameList = (names: readonly string[]): SQL => sql.join(names.map((n) => sql`${n}`), sql`, `);

/**
 * Creates the rows of jobs not scheduled yet (due at once) and updates the period of those whose
 * everyMs changed; a shorter period also pulls next_run_at in to at most one new period from now.
 */
export async function registerJobs(db: Db, jobs: readonly Job[]): Promise<void> {
  if (jobs.length === 0) return;
  const values = sql.join(jobs.map((j) => sql`(${j.name}, ${j.everyMs}::bigint)`), sql`, `);
  await db.execute(sql`
    INSERT INTO job_schedule (name, every_ms) VALUES ${values}
    ON CONFLICT (name) DO UPDATE
      SET every_ms = EXCLUDED.every_ms,
          next_run_at = least(job_schedule.next_run_at, now() + EXCLUDED.every_ms * interval '1 millisecond')
      WHERE job_schedule.every_ms IS DISTINCT FROM EXCLUDED.every_ms`);
}

export interface Claim {
  name: string;
  /** Whether the job was due (a forced claim of an undue job leaves next_run_at alone). */
  due: boolean;
}

/**
 * Claims one job among `names` that nobody holds a live lease on — the most overdue due one, or
 * with `force` the named job whether due or not — in one autocommit statement. Null: nothing due,
 * or another worker holds (or is claiming) it.
 */
export async function claimJob(
  db: Db,
  workerId: string,
  names: readonly string[],
  opts: { leaseMs?: number; force?: boolean } = {},
): Promise<Claim | null> {
  if (names.length === 0) return null;
  const row = await one<Claim>(db, sql`
    UPDATE job_schedule s
    SET locked_by = ${workerId}, locked_until = now() + ${msInterval(opts.leaseMs ?? LEASE_MS)}, last_started_at = now()
    WHERE s.name = (
      SELECT c.name FROM job_schedule c
      WHERE c.name IN (${nameList(names)})
        AND (c.locked_until IS NULL OR c.locked_until < now())
        AND (${opts.force ?? false}::boolean OR c.next_run_at <= now())
      ORDER BY c.next_run_at
      LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING s.name, s.next_run_at <= now() AS due`);
  return row ?? null;
}

/** Renews this worker's lease; false when it is no longer this worker's. */
export async function renewLease(db: Db, workerId: string, name: string, leaseMs = LEASE_MS): Promise<boolean> {
  const row = await one<{ name: string }>(db, sql`
    UPDATE job_schedule SET locked_until = now() + ${msInterval(leaseMs)}
    WHERE name = ${name} AND locked_by = ${workerId} RETURNING name`);
  return row !== undefined;
}

/**
 * Records the end of a claimed run and clears the lease (see the header for the schedule rules).
 * False when the lease was no longer this worker's: then nothing is recorded.
 */
export async function finishJob(
  db: Db,
  workerId: string,
  claim: Claim,
  outcome: { error?: unknown },
  opts: { retryMs?: number } = {},
): Promise<boolean> {
  const failed = outcome.error !== undefined;
  const message = failed ? describeError(outcome.error) : null;
  const retry = msInterval(opts.retryMs ?? RETRY_MS);
  const row = await one<{ name: string }>(db, sql`
    UPDATE job_schedule SET
      next_run_at = CASE
        WHEN ${failed}::boolean
          THEN now() + least(every_ms * interval '1 millisecond', ${retry} * power(2, least(failures, 10)))
        WHEN ${claim.due}::boolean
          THEN greatest(next_run_at + every_ms * interval '1 millisecond', now())
        ELSE next_run_at END,
      locked_by = NULL, locked_until = NULL,
      last_finished_at = now(), last_worker = ${workerId}, last_error = ${message},
      runs = runs + 1,
      failures = CASE WHEN ${failed}::boolean THEN failures + 1 ELSE 0 END
    WHERE name = ${claim.name} AND locked_by = ${workerId}
    RETURNING name`);
  return row !== undefined;
}

/** Gives a claim back without running it (the runner was stopped in between). */
async function releaseJob(db: Db, workerId: string, name: string): Promise<void> {
  await db.execute(sql`
    UPDATE job_schedule SET locked_by = NULL, locked_until = NULL WHERE name = ${name} AND locked_by = ${workerId}`);
}

/** What job_schedule.last_error keeps: no SQL text, parameters or row values (see logger.ts). */
function describeError(error: unknown): string {
  return safeErrorText(error, 2000);
}

interface RunResult {
  report: JobReport;
  /** False when the lease was lost before the finish (another worker may have run it too). */
  recorded: boolean;
}

/** Runs a claimed job with a heartbeat, then records the outcome; rethrows the job's error. */
async function runClaimed(deps: AppDeps, job: Job, workerId: string, claim: Claim, opts: RunnerOptions): Promise<RunResult> {
  const db = deps.database.db;
  const leaseMs = opts.leaseMs ?? LEASE_MS;
  let lost = false;
  const heartbeat = setInterval(() => {
    renewLease(db, workerId, job.name, leaseMs)
      .then((held) => {
        if (!held && !lost) {
          lost = true;
          deps.log?.warn({ job: job.name, workerId }, "job lease lost while running");
        }
      })
      .catch((err) => deps.log?.warn({ job: job.name, err }, "job lease renewal failed"));
  }, Math.max(10, Math.floor(leaseMs / 3)));
  let report: JobReport;
  try {
    report = await job.run(deps);
  } catch (error) {
    clearInterval(heartbeat);
    // The job's error is what the caller sees; a failed write of it only delays the retry until
    // the lease expires.
    await finishJob(db, workerId, claim, { error }, opts).catch((err) =>
      deps.log?.warn({ job: job.name, err }, "could not record the job's failure"),
    );
    throw error;
  }
  clearInterval(heartbeat);
  const recorded = await finishJob(db, workerId, claim, {}, opts);
  return { report, recorded };
}

/**
 * Runs one job now, out of schedule (tests, one-off calls): claims it under this process's worker
 * id, runs it and records the run like the runner does. Returns null, without running it, when
 * another worker holds a live lease on it. A job that was due has its next_run_at advanced as
 * after a scheduled run; one that was not keeps its schedule.
 */
export async function runJobOnce(deps: AppDeps, job: Job, opts: RunnerOptions = {}): Promise<JobReport | null> {
  return runInDbScope(JOB_DB_SCOPE, () => runJobOnceInScope(deps, job, opts));
}

async function runJobOnceInScope(deps: AppDeps, job: Job, opts: RunnerOptions): Promise<JobReport | null> {
  const db = deps.database.db;
  const workerId = opts.workerId ?? processWorkerId;
  await registerJobs(db, [job]);
  const claim = await claimJob(db, workerId, [job.name], { leaseMs: opts.leaseMs, force: true });
  if (!claim) return null;
  return (await runClaimed(deps, job, workerId, claim, opts)).report;
}

export interface JobRunner {
  workerId: string;
  /** Stops claiming, waits for the runs in flight to finish (and record themselves). */
  stop(): Promise<void>;
}

export function startJobs(deps: AppDeps, jobs: Job[], opts: RunnerOptions = {}): JobRunner {
  const db = deps.database.db;
  const workerId = opts.workerId ?? processWorkerId;
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const busy = new Set<string>(); // jobs this runner is running: never claimed twice here
  const running = new Set<Promise<unknown>>();
  let registered = false;
  let stopped = false;
  let ticking: Promise<void> | null = null;

  const launch = (job: Job, claim: Claim) => {
    busy.add(job.name);
    const p = runInDbScope(JOB_DB_SCOPE, () => runClaimed(deps, job, workerId, claim, opts))
      .then(({ report, recorded }) => {
        if (!recorded) deps.log.warn({ job: job.name, workerId }, "job finished after its lease was lost; run not recorded");
        else if (report && Object.values(report).some((n) => n > 0)) deps.log.info({ job: job.name, ...report }, "job ran");
      })
      .catch((error) => deps.log.error({ job: job.name, err: error }, "job failed"))
      .finally(() => {
        busy.delete(job.name);
        running.delete(p);
      });
    running.add(p);
  };

  const tick = async () => {
    if (!registered) {
      await registerJobs(db, jobs);
      registered = true;
    }
    // Claim every due job this runner is not already running, one statement each.
    while (!stopped) {
      const free = jobs.filter((j) => !busy.has(j.name)).map((j) => j.name);
      const claim = await claimJob(db, workerId, free, { leaseMs: opts.leaseMs });
      if (!claim) return;
      if (stopped) {
        await releaseJob(db, workerId, claim.name);
        return;
      }
      launch(byName.get(claim.name)!, claim);
    }
  };

  const timer = setInterval(() => {
    if (stopped || ticking) return;
    ticking = runInDbScope(JOB_DB_SCOPE, tick)
      .catch((err) => deps.log.error({ err, workerId }, "job tick failed"))
      .finally(() => {
        ticking = null;
      });
  }, opts.tickMs ?? TICK_MS);

  return {
    workerId,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ticking;
      await Promise.allSettled([...running]);
    },
  };
}

/** The schedule rows (for operators, tests and the scale-out benchmark). */
export async function readJobSchedule(db: Db) {
  return many<{
    name: string;
    every_ms: string;
    next_run_at: string;
    locked_by: string | null;
    locked_until: string | null;
    last_started_at: string | null;
    last_finished_at: string | null;
    last_worker: string | null;
    last_error: string | null;
    runs: string;
    failures: number;
  }>(db, sql`SELECT * FROM job_schedule ORDER BY name`);
}
