// account.*: the export archive's statuses and limits, shared by the procedures (account.service.ts)
// and the jobs that build and expire archives (account.export.ts). Neither procedure takes input.

/** pending → running → ready → expired, or failed. A running build whose lease passed is claimed again. */
export const EXPORT_STATUSES = ["pending", "running", "ready", "failed", "expired"] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** A ready archive is kept this long, then its object is deleted and its row says expired. */
export const ARCHIVE_TTL_DAYS = 7;
/** How long a download URL from account.exports works (a presigned GET). */
export const DOWNLOAD_URL_SECONDS = 15 * 60;
/** account.exports lists this many of the newest exports (at most EXPORTS_PER_DAY a day are made). */
export const EXPORT_LIST_LIMIT = 20;
/** Failed and expired rows are forgotten this long after they were requested. */
export const EXPORT_ROW_RETENTION_DAYS = 30;
/** Where archives live in the media store: exports/<userId>/<exportId>-<random>.zip. */
export const EXPORT_KEY_PREFIX = "exports/";
/** Where the notification sends the owner (the frontend's page of account.exports). */
export const EXPORTS_ACTION_URL = "/settings/exports";
