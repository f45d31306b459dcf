// Placeholder filled by issue 19 work.
import type { Job } from "./runner";

export const pollJobs: Job[] = [];
