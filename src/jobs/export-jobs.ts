// Account export archives (issue 19; src/modules/account/account.export.ts): building the archives
// users asked for with account.export, and deleting them ARCHIVE_TTL_DAYS later.
import { buildPendingExports, expireExports } from "../modules/account/account.export";
import { processWorkerId, type Job } from "./runner";

const DAY_MS = 86_400_000;

/**
 * Every 10 s: claims pending exports (FOR UPDATE SKIP LOCKED, a lease per export) and builds them.
 * The runner gives each run to one process; the export's own lease is what keeps a build single
 * even when a run outlives the runner's lease, and what lets a crashed build be claimed again.
 */
export const buildExportsJob: Job = {
  name: "build-account-exports",
  everyMs: 10_000,
  run: (deps) => buildPendingExports({ db: deps.database.db, media: deps.media, log: deps.log }, { workerId: processWorkerId }),
};

/** Hourly: expired archives (object, then row); once a day at 04 UTC a sweep of exports/ for leftovers a day old. */
export const expireExportsJob: Job = {
  name: "expire-account-exports",
  everyMs: 3_600_000,
  run: (deps) => expireExports({ db: deps.database.db, media: deps.media }, { sweepOlderThanMs: new Date().getUTCHours() === 4 ? DAY_MS : null }),
};

export const exportJobs: Job[] = [buildExportsJob, expireExportsJob];
