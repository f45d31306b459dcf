-- Background jobs run once per period across all server processes, instead of once per period per
-- process. Until now every process ran every job on its own timer inside a transaction holding
-- pg_try_advisory_xact_lock: that only prevented overlap (two processes ran a daily job twice a
-- day) and kept a pooled connection idle in transaction for the whole run (bad behind PgBouncer
-- in transaction mode). Now each job has one row here; a process claims a due row in one
-- autocommit statement (FOR UPDATE SKIP LOCKED) by writing a lease (locked_by, locked_until),
-- runs the job with no transaction open, renews the lease while it runs and, when done, clears it
-- and moves next_run_at on by every_ms (anchored to the schedule, never into the past). A process
-- that dies mid-run leaves a lease that expires; another process then picks the job up.
-- Rows are upserted by the runner (src/jobs/runner.ts) for every job it knows; none are seeded.
--  * runs: finished runs (successes and failures) since the row was created. The scale-out
--    benchmark reads it before and after a window to count runs per period across processes.
--  * failures: consecutive failed runs (0 after a success); drives the retry backoff.
--  * last_error: the error of the most recent run, NULL when it succeeded.
CREATE TABLE job_schedule (
  name             VARCHAR(100) PRIMARY KEY,
  every_ms         BIGINT NOT NULL,
  next_run_at      TIMESTAMPTZ NOT NULL DEFAULT NOW(),
  locked_by        TEXT,
  locked_until     TIMESTAMPTZ,
  last_started_at  TIMESTAMPTZ,
  last_finished_at TIMESTAMPTZ,
  last_worker      TEXT,
  last_error       TEXT,
  runs             BIGINT NOT NULL DEFAULT 0,
  failures         INTEGER NOT NULL DEFAULT 0,
  CONSTRAINT job_schedule_every_positive CHECK (every_ms > 0),
  CONSTRAINT job_schedule_lease_complete CHECK ((locked_by IS NULL) = (locked_until IS NULL)),
  CONSTRAINT job_schedule_counts_positive CHECK (runs >= 0 AND failures >= 0)
);
