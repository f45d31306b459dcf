// Background-job schedule: 0050 (job_schedule), one row per job, claimed by the runner in
// src/jobs/runner.ts with FOR UPDATE SKIP LOCKED and a lease. Mirror of the SQL migration,
// kept honest by tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import { bigint, check, integer, pgTable, text, varchar } from "drizzle-orm/pg-core";
import { tstz } from "./columns";

export const jobSchedule = pgTable(
  "job_schedule",
  {
    name: varchar("name", { length: 100 }).primaryKey(),
    everyMs: bigint("every_ms", { mode: "number" }).notNull(),
    nextRunAt: tstz("next_run_at").notNull().defaultNow(),
    /** The worker holding the lease (NULL when nobody runs the job), until locked_until. */
    lockedBy: text("locked_by"),
    lockedUntil: tstz("locked_until"),
    lastStartedAt: tstz("last_started_at"),
    lastFinishedAt: tstz("last_finished_at"),
    lastWorker: text("last_worker"),
    /** The most recent run's error; NULL after a success. */
    lastError: text("last_error"),
    /** Finished runs (successes and failures): what the scale-out benchmark counts per period. */
    runs: bigint("runs", { mode: "number" }).notNull().default(0),
    /** Consecutive failed runs, 0 after a success (drives the retry backoff). */
    failures: integer("failures").notNull().default(0),
  },
  (t) => [
    check("job_schedule_every_positive", sql`${t.everyMs} > 0`),
    check("job_schedule_lease_complete", sql`(${t.lockedBy} IS NULL) = (${t.lockedUntil} IS NULL)`),
    check("job_schedule_counts_positive", sql`${t.runs} >= 0 AND ${t.failures} >= 0`),
  ],
);
