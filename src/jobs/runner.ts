// Background jobs on timers. Safe with several server processes: each run takes a session-level
// advisory lock named after the job (pg_try_advisory_lock), so one process runs a job at a time and
// the others skip that tick; the jobs themselves are set-based or use FOR UPDATE SKIP LOCKED.
import { sql } from "drizzle-orm";
import { one } from "../db/query";
import type { AppDeps } from "../trpc/context";

export interface Job {
  name: string;
  everyMs: number;
  /** Returns a small report (counts) that is logged when non-empty. */
  run(deps: AppDeps): Promise<Record<string, number> | void>;
}

/**
 * Runs one job once under its advisory lock; returns null when another process holds it.
 * The lock transaction holds a connection while the job runs on the pool, so on an embedded PGlite
 * (one connection, and one process by construction: it owns its data directory) the job runs
 * without it — taking it there would deadlock every request behind the first tick.
 */
export async function runJobOnce(deps: AppDeps, job: Job): Promise<Record<string, number> | void | null> {
  if (!deps.database.concurrent) return job.run(deps);
  const db = deps.database.db;
  return db.transaction(async (tx) => {
    const lock = await one<{ ok: boolean }>(tx, sql`SELECT pg_try_advisory_xact_lock(hashtextextended(${`vrss:job:${job.name}`}, 0)) AS ok`);
    if (!lock?.ok) return null;
    return job.run(deps);
  });
}

export function startJobs(deps: AppDeps, jobs: Job[]): { stop(): Promise<void> } {
  const timers: ReturnType<typeof setInterval>[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  for (const job of jobs) {
    let busy = false;
    const tick = () => {
      if (busy || stopped) return;
      busy = true;
      const p = runJobOnce(deps, job)
        .then((report) => {
          if (report && Object.values(report).some((n) => n > 0)) deps.log.info({ job: job.name, ...report }, "job ran");
        })
        .catch((error) => deps.log.error({ job: job.name, err: error }, "job failed"))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    };
    timers.push(setInterval(tick, job.everyMs));
  }
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running]);
    },
  };
}
