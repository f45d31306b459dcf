// account.export and account.exports: asking for an archive of one's own account, and listing
// one's archives with a download URL for the ready ones. The archive itself is built by a job
// (account.export.ts, src/jobs/export-jobs.ts).
//  * One open export per account: while one is pending or running, account.export returns it
//    (idempotent, so a client retrying after a lost answer gets the same export) without spending
//    the rate limit; a new export costs one of EXPORTS_PER_DAY points (TOO_MANY_REQUESTS after).
//  * Only the owner ever sees an export: every statement is scoped to the caller's user id, and a
//    download URL is a presigned GET minted for the caller's own listing.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client";
import { iso, many, one } from "../../db/query";
import type { Env } from "../../env";
import { AppError } from "../../lib/errors";
import type { RateLimits } from "../../lib/rate-limit";
import type { MediaStore } from "../../lib/s3";
import { presignDownload } from "./account.download";
import type { AccountExportOutput } from "./account.output";
import { DOWNLOAD_URL_SECONDS, EXPORT_LIST_LIMIT, type ExportStatus } from "./account.schema";

interface ExportRow {
  id: string;
  status: ExportStatus;
  created_at: string;
  started_at: string | null;
  ready_at: string | null;
  expires_at: string | null;
  size_bytes: string | null;
  error: string | null;
  object_key: string | null;
  /** A ready archive past its expiry that the cleanup job has not reached yet. */
  lapsed: boolean;
}

const COLUMNS = sql`id, status, created_at, started_at, ready_at, expires_at, size_bytes, error, object_key,
  COALESCE(status = 'ready' AND expires_at <= NOW(), FALSE) AS lapsed`;

function exportView(row: ExportRow, download: { url: string; expiresAt: string } | null): AccountExportOutput {
  return {
    id: row.id,
    // Past its expiry it is expired for the owner at once, whenever the cleanup job gets to it.
    status: row.lapsed ? "expired" : row.status,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    readyAt: iso(row.ready_at),
    expiresAt: iso(row.expires_at),
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    downloadUrl: download?.url ?? null,
    downloadUrlExpiresAt: download?.expiresAt ?? null,
    error: row.status === "failed" ? row.error : null,
  };
}

/** The account's pending or running export, if any. */
async function openExport(db: DbOrTx, userId: string): Promise<ExportRow | undefined> {
  return one<ExportRow>(db, sql`
    SELECT ${COLUMNS} FROM account_exports WHERE user_id = ${userId} AND status IN ('pending', 'running')`);
}

/** account.export: records a request (or returns the open one); the build job does the rest. */
export async function requestExport(
  deps: { db: DbOrTx; rateLimits: RateLimits },
  params: { userId: string },
): Promise<AccountExportOutput> {
  const open = await openExport(deps.db, params.userId);
  if (open) return exportView(open, null);
  await deps.rateLimits.consume("exportsByUser", params.userId);
  const inserted = await one<ExportRow>(deps.db, sql`
    INSERT INTO account_exports (user_id) VALUES (${params.userId})
    ON CONFLICT (user_id) WHERE status IN ('pending', 'running') DO NOTHING
    RETURNING ${COLUMNS}`);
  // A concurrent request inserted first: that one is the open export.
  const row = inserted ?? (await openExport(deps.db, params.userId));
  // …unless it was built in between (milliseconds): asking again starts a new one.
  if (!row) throw new AppError("CONFLICT", "Please retry", { appCode: "RETRY" });
  return exportView(row, null);
}

/** account.exports: the caller's newest exports, a fresh download URL on each ready one. */
export async function listExports(
  deps: { db: DbOrTx; env: Env; media: MediaStore },
  params: { userId: string },
): Promise<{ items: AccountExportOutput[] }> {
  const rows = await many<ExportRow & { username: string }>(deps.db, sql`
    SELECT e.id, e.status, e.created_at, e.started_at, e.ready_at, e.expires_at, e.size_bytes, e.error, e.object_key,
           COALESCE(e.status = 'ready' AND e.expires_at <= NOW(), FALSE) AS lapsed, u.username
    FROM account_exports e JOIN users u ON u.id = e.user_id
    WHERE e.user_id = ${params.userId}
    ORDER BY e.id DESC
    LIMIT ${EXPORT_LIST_LIMIT}`);
  const items: AccountExportOutput[] = [];
  for (const row of rows) {
    let download: { url: string; expiresAt: string } | null = null;
    if (row.status === "ready" && !row.lapsed && row.object_key) {
      // Never past the archive's own expiry: the object is deleted then.
      const seconds = Math.max(1, Math.min(DOWNLOAD_URL_SECONDS, Math.floor((new Date(row.expires_at!).getTime() - Date.now()) / 1000)));
      const url = await presignDownload(deps, row.object_key, seconds, {
        fileName: `vrss-${row.username}-export-${row.id}.zip`,
        contentType: "application/zip",
      });
      download = { url, expiresAt: new Date(Date.now() + seconds * 1000).toISOString() };
    }
    items.push(exportView(row, download));
  }
  return { items };
}
