// What account.* answers.
import { z } from "zod";
import { outDate, outId } from "../common/common.output";
import { EXPORT_STATUSES } from "./account.schema";

/** One export request as its owner sees it. */
export const accountExportSchema = z.object({
  id: outId,
  status: z.enum(EXPORT_STATUSES),
  createdAt: outDate,
  /** When the build (last) started; null while pending. */
  startedAt: outDate.nullable(),
  readyAt: outDate.nullable(),
  /** When a ready archive is deleted (ARCHIVE_TTL_DAYS after it was built). */
  expiresAt: outDate.nullable(),
  /** The ZIP's size in bytes, once built. */
  sizeBytes: z.number().int().nullable(),
  /** A presigned GET of the ZIP (ready exports only), valid until downloadUrlExpiresAt. */
  downloadUrl: z.string().nullable(),
  downloadUrlExpiresAt: outDate.nullable(),
  /** Why it failed, in words fit for the owner; null otherwise. */
  error: z.string().nullable(),
});
export type AccountExportOutput = z.infer<typeof accountExportSchema>;

/** The caller's newest exports (EXPORT_LIST_LIMIT), newest first. */
export const accountExportListSchema = z.object({ items: z.array(accountExportSchema) });
