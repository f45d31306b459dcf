// Public media URLs stored before GET /media existed named the embedded store's own loopback port,
// `http://127.0.0.1:<port>/<bucket>/<key>`, and that port changed with every start: every such URL
// died with the process that wrote it. At start, with the embedded store, they are rewritten to the
// current base (`${PUBLIC_APP_URL}/media`). Idempotent (a rewritten URL no longer matches) and
// cheap when nothing matches: one probe over the tables that receive media URLs first (post_media,
// upload_reservations, user_profiles); only when it finds one does the rewrite touch every column.
import { sql, type SQL } from "drizzle-orm";
import type { Db } from "../../db/client";
import { one } from "../../db/query";
import { transaction } from "../../db/transaction";

/** Every column that may hold one of our media URLs (see drizzle/): [table, column, jsonb?]. */
const MEDIA_URL_COLUMNS: [table: string, column: string, json: boolean][] = [
  ["post_media", "file_url", false],
  ["post_media", "thumbnail_url", false],
  ["upload_reservations", "file_url", false],
  ["upload_reservations", "thumbnail_url", false],
  ["posts", "thumbnail_url", false], // denormalized from post_media
  ["posts", "media_urls", true], // [{url, type, order}]
  ["user_profiles", "background_config", true], // {type: image|video, value: url}
  ["user_profiles", "music_config", true], // {url, …}
  ["user_profiles", "style_config", true], // custom CSS url()s
  ["profile_sections", "config", true],
  ["section_content", "url", false],
];

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The URL prefix of objects on a dead embedded store of this bucket, as a POSIX regex. */
export function embeddedUrlPattern(bucket: string): string {
  return `http://127\\.0\\.0\\.1:[0-9]{1,5}/${escapeRegex(bucket)}/`;
}

/**
 * Rewrites `http://127.0.0.1:<any port>/<bucket>/…` to `${base}/…` in every media URL column.
 * Returns the number of rows changed per column (only the non-zero ones).
 */
export async function rewriteEmbeddedMediaUrls(db: Db, bucket: string, base: string): Promise<Record<string, number>> {
  const target = base.replace(/\/+$/, "");
  // The base goes into regexp_replace's replacement and into JSON text: nothing that is special there.
  if (!/^https?:\/\/[^\s"\\&]+$/.test(target)) throw new Error(`unusable media base URL: ${target}`);
  const pattern = embeddedUrlPattern(bucket);
  // A base that itself looks like a loopback store (an explicit S3_PUBLIC_URL) is left alone.
  if (new RegExp(`^${pattern}`).test(`${target}/`)) return {};
  const like = "http://127.0.0.1:%";
  const probe = await one<{ found: boolean }>(db, sql`SELECT
    EXISTS (SELECT 1 FROM post_media WHERE file_url LIKE ${like} OR thumbnail_url LIKE ${like})
    OR EXISTS (SELECT 1 FROM upload_reservations WHERE file_url LIKE ${like} OR thumbnail_url LIKE ${like})
    OR EXISTS (SELECT 1 FROM user_profiles WHERE background_config::text LIKE ${`%${like}`} OR music_config::text LIKE ${`%${like}`}) AS found`);
  if (!probe?.found) return {};

  const replacement = `${target}/`;
  return transaction(db, async (tx) => {
    const changed: Record<string, number> = {};
    for (const [table, column, json] of MEDIA_URL_COLUMNS) {
      const col = sql.identifier(column);
      const text: SQL = json ? sql`${col}::text` : sql`${col}`;
      const value: SQL = sql`regexp_replace(${text}, ${pattern}, ${replacement}, 'g')`;
      const row = await one<{ n: number }>(tx, sql`
        WITH changed AS (
          UPDATE ${sql.identifier(table)} SET ${col} = ${json ? sql`${value}::jsonb` : value}
          WHERE ${text} ~ ${pattern}
          RETURNING 1)
        SELECT count(*)::int AS n FROM changed`);
      if (row && row.n > 0) changed[`${table}.${column}`] = row.n;
    }
    return changed;
  });
}
