// Storage housekeeping: the end of subscription grace periods (back to the Free quota) and the
// daily reconciliation of storage_usage with post_media (reporting the drift it fixed).
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { many } from "../db/query";
import { transaction } from "../db/transaction";
import { expireGracePeriods } from "../modules/storage/storage.service";
import type { Job } from "./runner";

export const expireGracePeriodsJob: Job = {
  name: "expire-grace-periods",
  everyMs: 15 * 60_000,
  run: (deps) => expireGracePeriods(deps.database.db),
};

/**
 * Recomputes used_bytes and the four buckets of every storage_usage row from post_media (users
 * with no media are zeroed, which the spec's UPDATE … FROM misses) and sets last_calculated_at.
 * Works in batches of users, each in its own transaction that first locks the batch's rows: an
 * upload's trigger updates that row too, so it either committed before the lock (and its
 * post_media row is counted by the next statement's snapshot) or waits and adds its bytes after.
 * Returns how many rows were wrong and how many were checked.
 */
export async function reconcileStorage(db: Db, opts: { batch?: number } = {}): Promise<{ drifted: number; users: number }> {
  const batch = opts.batch ?? 1000;
  let after = "0";
  const total = { drifted: 0, users: 0 };
  for (;;) {
    const done = await transaction(db, async (tx) => {
      const locked = await many<{ user_id: string }>(tx, sql`
        SELECT user_id FROM storage_usage WHERE user_id > ${after} ORDER BY user_id LIMIT ${batch} FOR UPDATE`);
      if (locked.length === 0) return { users: 0, drifted: 0, last: after };
      const ids = `{${locked.map((r) => r.user_id).join(",")}}`;
      const rows = await many<{ drifted: boolean }>(tx, sql`
        WITH fresh AS (
          SELECT su.id, su.used_bytes, su.images_bytes, su.videos_bytes, su.audio_bytes, su.other_bytes,
                 m.used, m.images, m.videos, m.audio, m.other
          FROM storage_usage su
          CROSS JOIN LATERAL (
            SELECT COALESCE(sum(pm.file_size_bytes), 0) AS used,
                   COALESCE(sum(storage_bucket_delta(pm.type, 'images', pm.file_size_bytes)), 0) AS images,
                   COALESCE(sum(storage_bucket_delta(pm.type, 'videos', pm.file_size_bytes)), 0) AS videos,
                   COALESCE(sum(storage_bucket_delta(pm.type, 'audio', pm.file_size_bytes)), 0) AS audio,
                   COALESCE(sum(storage_bucket_delta(pm.type, 'other', pm.file_size_bytes)), 0) AS other
            FROM post_media pm WHERE pm.user_id = su.user_id) m
          WHERE su.user_id = ANY(${ids}::bigint[]))
        UPDATE storage_usage su
        SET used_bytes = f.used, images_bytes = f.images, videos_bytes = f.videos, audio_bytes = f.audio,
            other_bytes = f.other, last_calculated_at = NOW()
        FROM fresh f
        WHERE su.id = f.id
        RETURNING (f.used_bytes, f.images_bytes, f.videos_bytes, f.audio_bytes, f.other_bytes)
                  IS DISTINCT FROM (f.used, f.images, f.videos, f.audio, f.other) AS drifted`);
      return { users: rows.length, drifted: rows.filter((r) => r.drifted).length, last: locked.at(-1)!.user_id };
    });
    total.users += done.users;
    total.drifted += done.drifted;
    after = done.last;
    if (done.users < batch) return total;
  }
}

export const reconcileStorageJob: Job = {
  name: "reconcile-storage",
  everyMs: 24 * 3_600_000,
  run: (deps) => reconcileStorage(deps.database.db),
};
