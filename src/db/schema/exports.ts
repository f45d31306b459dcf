// Account export archives (issue 19): 0090 (account_exports), one row per account.export request,
// built by the build-account-exports job and expired by expire-account-exports
// (src/jobs/export-jobs.ts). Mirror of the SQL migration, kept honest by
// tests/db/drizzle-drift.test.ts.
import { sql } from "drizzle-orm";
import { bigint, bigserial, check, index, integer, jsonb, pgTable, text, uniqueIndex, varchar } from "drizzle-orm/pg-core";
import { tstz } from "./columns";
import { users } from "./users";

export const accountExports = pgTable(
  "account_exports",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    userId: bigint("user_id", { mode: "number" }).notNull().references(() => users.id, { onDelete: "cascade" }),
    /** 'pending' | 'running' | 'ready' | 'failed' | 'expired'. */
    status: varchar("status", { length: 20 }).notNull().default("pending"),
    /** exports/<user_id>/<id>-<random>.zip, chosen at the first claim and kept across retries. */
    objectKey: varchar("object_key", { length: 300 }),
    sizeBytes: bigint("size_bytes", { mode: "number" }),
    /** Rows per file of the archive (the manifest's counts), once ready. */
    counts: jsonb("counts"),
    /** Claims so far (a build whose worker died is claimed again). */
    attempts: integer("attempts").notNull().default(0),
    lockedBy: text("locked_by"),
    lockedUntil: tstz("locked_until"),
    /** What the owner is told when it failed (never the exception's text). */
    error: varchar("error", { length: 300 }),
    createdAt: tstz("created_at").notNull().defaultNow(),
    startedAt: tstz("started_at"),
    readyAt: tstz("ready_at"),
    expiresAt: tstz("expires_at"),
    finishedAt: tstz("finished_at"),
  },
  (t) => [
    check("account_exports_status_valid", sql`${t.status} IN ('pending', 'running', 'ready', 'failed', 'expired')`),
    check("account_exports_lease_complete", sql`(${t.lockedBy} IS NULL) = (${t.lockedUntil} IS NULL)`),
    check("account_exports_lease_while_running", sql`${t.lockedBy} IS NULL OR ${t.status} = 'running'`),
    check("account_exports_ready_complete", sql`${t.status} <> 'ready' OR (${t.objectKey} IS NOT NULL AND ${t.sizeBytes} IS NOT NULL
      AND ${t.readyAt} IS NOT NULL AND ${t.expiresAt} IS NOT NULL)`),
    check("account_exports_size_positive", sql`${t.sizeBytes} IS NULL OR ${t.sizeBytes} > 0`),
    check("account_exports_attempts_positive", sql`${t.attempts} >= 0`),
    check("account_exports_key_layout", sql`${t.objectKey} IS NULL OR ${t.objectKey} LIKE 'exports/' || ${t.userId} || '/%'`),
    uniqueIndex("account_exports_one_open").on(t.userId).where(sql`${t.status} IN ('pending', 'running')`),
    index("account_exports_user_idx").on(t.userId, t.id.desc()),
    index("account_exports_queue_idx").on(t.id).where(sql`${t.status} IN ('pending', 'running')`),
    index("account_exports_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'ready'`),
    index("account_exports_retention_idx").on(t.createdAt).where(sql`${t.status} IN ('failed', 'expired')`),
  ],
);
