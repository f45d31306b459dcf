import { deliverMailJob, purgeAuthLeftoversJob, purgeDeletedAccountsJob } from "./account-jobs";
import { publishScheduledJob, purgeSoftDeletedJob, reconcileCountersJob } from "./content-jobs";
import type { Job } from "./runner";

/** Every background job the server runs (when RUN_JOBS is on). */
export const allJobs: Job[] = [
  publishScheduledJob,
  deliverMailJob,
  purgeDeletedAccountsJob,
  purgeAuthLeftoversJob,
  purgeSoftDeletedJob,
  reconcileCountersJob,
];
