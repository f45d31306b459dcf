// Media housekeeping, safe with several processes (the runner gives each run to one process, and
// every statement is set-based): expire stale reservations, sweep abandoned uploads, and remove
// orphaned media — rows and objects of posts deleted more than 30 days ago, objects whose row is
// gone, and objects no row refers to at all.
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { many } from "../db/query";
import type { MediaStore } from "../lib/s3";
import { thumbnailKey } from "../modules/media/media.rules";
import type { Job } from "./runner";

async function deleteObjects(media: MediaStore, keys: (string | null)[]): Promise<number> {
  let n = 0;
  for (const key of keys) {
    if (!key) continue;
    await media.delete(key).catch(() => {});
    n++;
  }
  return n;
}

/** Pending reservations past their expiry release their quota; whatever was uploaded is deleted. */
export async function expireReservations(db: Db, media: MediaStore): Promise<{ expired: number; abandoned: number }> {
  const expired = await many<{ file_key: string }>(db, sql`
    UPDATE upload_reservations SET status = 'expired'
    WHERE status = 'pending' AND expires_at <= NOW() RETURNING file_key`);
  // Post uploads confirmed but never attached to a post within a day are abandoned.
  const abandoned = await many<{ file_key: string }>(db, sql`
    DELETE FROM upload_reservations r
    WHERE r.status = 'confirmed' AND r.purpose = 'post' AND r.confirmed_at < NOW() - INTERVAL '1 day'
      -- …unless its owner made it their profile background.
      AND NOT EXISTS (SELECT 1 FROM user_profiles up WHERE up.user_id = r.user_id AND up.background_config->>'value' = r.file_url)
    RETURNING r.file_key`);
  // A pending upload may have a thumbnail already (a confirm that failed after writing it).
  await deleteObjects(media, expired.flatMap((r) => [r.file_key, thumbnailKey(r.file_key)]));
  await deleteObjects(media, abandoned.flatMap((r) => [r.file_key, thumbnailKey(r.file_key)]));
  return { expired: expired.length, abandoned: abandoned.length };
}

/**
 * Orphans: (1) media of posts soft-deleted more than 30 days ago — rows deleted (the trigger returns
 * the bytes) then objects; (2) uploads attached to media rows that no longer exist; (3) with
 * `sweepBucket`, objects older than a day that no upload refers to.
 */
export async function cleanupOrphanedMedia(db: Db, media: MediaStore, opts: { sweepBucket?: boolean } = {}) {
  const released = await many<{ file_url: string; thumbnail_url: string | null }>(db, sql`
    DELETE FROM post_media pm USING posts p
    WHERE pm.post_id = p.id AND p.deleted_at < NOW() - INTERVAL '30 days'
    RETURNING pm.file_url, pm.thumbnail_url`);
  await deleteObjects(media, released.flatMap((r) => [media.keyOfUrl(r.file_url), r.thumbnail_url ? media.keyOfUrl(r.thumbnail_url) : null]));
  const detached = await many<{ file_key: string }>(db, sql`
    DELETE FROM upload_reservations WHERE status = 'attached' AND media_id IS NULL RETURNING file_key`);
  await deleteObjects(media, detached.flatMap((r) => [r.file_key, thumbnailKey(r.file_key)]));

  let swept = 0;
  if (opts.sweepBucket) {
    const dayAgo = Date.now() - 86_400_000;
    let batch: string[] = [];
    const flush = async () => {
      // Keys are users/{userId}/…: load the live uploads of the users in this batch, keep their
      // files and thumbnails, delete the rest.
      const users = [...new Set(batch.map((k) => k.split("/")[1] ?? "").filter((u) => /^[1-9][0-9]{0,18}$/.test(u)))];
      const rows = users.length
        ? await many<{ file_key: string }>(db, sql`
            SELECT file_key FROM upload_reservations
            WHERE status IN ('pending', 'confirmed', 'attached') AND user_id IN (${sql.join(users.map((u) => sql`${u}`), sql`, `)})`)
        : [];
      const live = new Set(rows.flatMap((r) => [r.file_key, thumbnailKey(r.file_key)]));
      for (const key of batch) {
        if (live.has(key)) continue;
        await media.delete(key).catch(() => {});
        swept++;
      }
      batch = [];
    };
    for await (const object of media.list("users/")) {
      if (object.lastModified && object.lastModified.getTime() > dayAgo) continue;
      batch.push(object.key);
      if (batch.length >= 500) await flush();
    }
    if (batch.length) await flush();
  }
  return { releasedRows: released.length, detached: detached.length, swept };
}

export const expireReservationsJob: Job = {
  name: "expire-upload-reservations",
  everyMs: 60_000,
  run: (deps) => expireReservations(deps.database.db, deps.media),
};

export const orphanedMediaJob: Job = {
  name: "cleanup-orphaned-media",
  everyMs: 3_600_000,
  run: (deps) => cleanupOrphanedMedia(deps.database.db, deps.media, { sweepBucket: new Date().getUTCHours() === 3 }),
};
