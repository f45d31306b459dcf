import { deliverMailJob, purgeAuthLeftoversJob, purgeDeletedAccountsJob } from "./account-jobs";
import { publishScheduledJob, purgeSoftDeletedJob, reconcileCountersJob, timelineFanoutJob } from "./content-jobs";
import { expireReservationsJob, orphanedMediaJob } from "./media-jobs";
import { exportJobs } from "./export-jobs";
import { pollJobs } from "./poll-jobs";
import type { Job } from "./runner";
import { expireGracePeriodsJob, reconcileStorageJob } from "./storage-jobs";

/** Every background job the server runs (when RUN_JOBS is on). */
export const allJobs: Job[] = [
  publishScheduledJob,
  timelineFanoutJob,
  deliverMailJob,
  purgeDeletedAccountsJob,
  purgeAuthLeftoversJob,
  purgeSoftDeletedJob,
  reconcileCountersJob,
  expireReservationsJob,
  orphanedMediaJob,
  expireGracePeriodsJob,
  reconcileStorageJob,
  ...pollJobs,
  ...exportJobs,
];
