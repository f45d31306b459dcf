// Two-phase uploads with quota reservations.
//  createUpload: validates type and size, then — in one transaction holding storage_usage FOR
//    UPDATE — checks used + held + size ≤ quota and records a reservation; returns a presigned PUT
//    bound to that key, type and size.
//  confirmUpload: trusts nothing the client says. HEAD for the real size, magic bytes for the real
//    type, sharp for an image's real dimensions (and a thumbnail), music-metadata for the real
//    duration (and a video's frame size); a mismatch deletes the object.
//    Then, in one transaction, either inserts post_media (the trigger moves the bytes into
//    storage_usage) or keeps the upload confirmed for post.create to attach.
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../../db/client";
import { iso, one } from "../../db/query";
import { transaction } from "../../db/transaction";
import { AppError } from "../../lib/errors";
import { storageUnavailable, type MediaStore } from "../../lib/s3";
import { checkStorageWarnings } from "../storage/storage.service";
import { MEDIA_RULES, type PostType } from "../post/post.schema";
import { inspectAudioVideo, inspectImage, SNIFF_BYTES, sniffMime } from "./media.inspect";
import { durationProblem, MIME_RULES, objectKey, thumbnailKey, wholeSeconds, type MediaKind } from "./media.rules";

/** A reservation holds quota this long; the presigned URL expires earlier. */
const RESERVATION_MINUTES = 30;
const PRESIGN_SECONDS = 15 * 60;
const MAX_OPEN_UPLOADS = 50;

interface UploadRow {
  id: string;
  user_id: string;
  file_key: string;
  file_name: string;
  mime_type: string;
  media_type: "image" | "gif" | "video" | "audio";
  size_bytes: string;
  status: "pending" | "confirmed" | "attached" | "expired" | "rejected";
  media_id: string | null;
  file_url: string | null;
  width: number | null;
  height: number | null;
  duration_seconds: number | null;
  thumbnail_url: string | null;
  purpose: "post" | "profile";
  expires_at: string;
  expired: boolean;
}

function uploadView(u: UploadRow) {
  return {
    uploadId: u.id,
    mediaId: u.media_id,
    status: u.status,
    purpose: u.purpose,
    type: u.media_type,
    mimeType: u.mime_type,
    sizeBytes: Number(u.size_bytes),
    url: u.file_url,
    thumbnailUrl: u.thumbnail_url,
    width: u.width,
    height: u.height,
    durationSeconds: u.duration_seconds,
  };
}
export type UploadView = ReturnType<typeof uploadView>;

export async function createUpload(
  db: Db,
  media: MediaStore,
  userId: string,
  input: { fileName: string; mimeType: string; sizeBytes: number; purpose: "post" | "profile" },
) {
  const rule = MIME_RULES[input.mimeType];
  if (!rule) throw new AppError("BAD_REQUEST", "Unsupported file type", { field: "mimeType", appCode: "UNSUPPORTED_FILE_TYPE" });
  if (input.sizeBytes > rule.maxBytes) {
    throw new AppError("BAD_REQUEST", `A ${rule.kind} is at most ${rule.maxBytes / 1024 / 1024} MB`, {
      field: "sizeBytes", appCode: rule.kind === "video" ? "VIDEO_TOO_LARGE" : rule.kind === "audio" ? "AUDIO_TOO_LARGE" : "IMAGE_TOO_LARGE",
    });
  }
  // A store that is down would turn this into a reservation holding quota for 30 minutes with an
  // upload URL nobody can use: refuse it up front (a cached HEAD on the bucket, at most ~1.5 s).
  if (!(await media.available())) throw storageUnavailable();
  const key = objectKey(userId, input.purpose, randomUUID(), rule.ext);
  const reservation = await transaction(db, async (tx) => {
    // The row lock serializes this user's reservations: no two can both pass. It is taken in its
    // own statement: under READ COMMITTED a statement's snapshot is taken before it waits for the
    // lock, so sums computed in the locking statement itself would miss the reservation that the
    // lock holder just committed.
    const locked = await one<{ id: string }>(tx, sql`SELECT id FROM storage_usage WHERE user_id = ${userId} FOR UPDATE`);
    if (!locked) throw new AppError("NOT_FOUND", "User not found");
    const usage = await one<{ used: string; quota: string; held: string; open: number }>(tx, sql`
      SELECT s.used_bytes AS used, s.quota_bytes AS quota,
        (SELECT COALESCE(sum(size_bytes), 0) FROM upload_reservations r
          WHERE r.user_id = s.user_id AND (r.status = 'confirmed' OR (r.status = 'pending' AND r.expires_at > NOW()))) AS held,
        (SELECT count(*)::int FROM upload_reservations r
          WHERE r.user_id = s.user_id AND r.status = 'pending' AND r.expires_at > NOW()) AS open
      FROM storage_usage s WHERE s.user_id = ${userId}`);
    if (!usage) throw new AppError("NOT_FOUND", "User not found");
    if (usage.open >= MAX_OPEN_UPLOADS) {
      throw new AppError("TOO_MANY_REQUESTS", `At most ${MAX_OPEN_UPLOADS} uploads in flight`, { appCode: "TOO_MANY_UPLOADS", details: { retryAfterSeconds: 60 } });
    }
    const available = Number(usage.quota) - Number(usage.used) - Number(usage.held);
    if (input.sizeBytes > available) {
      throw new AppError("FORBIDDEN", "Not enough storage left for this file", {
        appCode: "STORAGE_QUOTA_EXCEEDED",
        details: { availableBytes: Math.max(available, 0), quotaBytes: Number(usage.quota), requestedBytes: input.sizeBytes },
      });
    }
    return one<{ id: string; expires_at: string }>(tx, sql`
      INSERT INTO upload_reservations (user_id, file_key, file_name, mime_type, media_type, size_bytes, purpose, expires_at)
      VALUES (${userId}, ${key}, ${input.fileName}, ${input.mimeType}, ${rule.kind}, ${input.sizeBytes}, ${input.purpose},
              NOW() + make_interval(mins => ${RESERVATION_MINUTES}))
      RETURNING id, expires_at`);
  });
  const signed = await media.presignPut(key, input.mimeType, input.sizeBytes, PRESIGN_SECONDS);
  return {
    uploadId: reservation!.id,
    uploadUrl: signed.url,
    method: "PUT" as const,
    headers: signed.headers,
    fileKey: key,
    expiresAt: new Date(Math.min(Date.now() + PRESIGN_SECONDS * 1000, new Date(reservation!.expires_at).getTime())).toISOString(),
    reservationExpiresAt: iso(reservation!.expires_at)!,
  };
}

async function loadUpload(db: DbOrTx, userId: string, uploadId: string, lock = false): Promise<UploadRow> {
  const row = await one<UploadRow>(db, sql`
    SELECT *, expires_at <= NOW() AS expired FROM upload_reservations
    WHERE id = ${uploadId} AND user_id = ${userId} ${lock ? sql`FOR UPDATE` : sql``}`);
  if (!row) throw new AppError("NOT_FOUND", "Upload not found");
  return row;
}

/** Refuses an upload: the object goes, the reservation is marked, the quota is released. */
async function reject(db: Db, media: MediaStore, upload: UploadRow, status: "rejected" | "expired", error: AppError): Promise<never> {
  await media.delete(upload.file_key).catch(() => {});
  await db.execute(sql`UPDATE upload_reservations SET status = ${status} WHERE id = ${upload.id} AND status = 'pending'`);
  throw error;
}

/** Keeps the post's denormalized thumbnail and media list in step with its post_media (as post.create does). */
async function refreshPostMedia(tx: DbOrTx, postId: string): Promise<void> {
  await tx.execute(sql`UPDATE posts SET
    thumbnail_url = (SELECT COALESCE(thumbnail_url, CASE WHEN type IN ('image', 'gif') THEN file_url END)
                     FROM post_media WHERE post_id = ${postId} ORDER BY display_order LIMIT 1),
    media_urls = (SELECT json_agg(json_build_object('url', file_url, 'type', type, 'order', display_order) ORDER BY display_order)
                  FROM post_media WHERE post_id = ${postId})
    WHERE id = ${postId}`);
}

/**
 * Locks a post and counts its media. Two statements: under READ COMMITTED a statement's snapshot is
 * taken before it waits for the lock, so a count in the locking statement itself would miss what the
 * lock holder just committed (two confirms could both attach the one image of an image post; two
 * deletes could both remove "one of two").
 */
async function lockPostCountingMedia(tx: DbOrTx, where: ReturnType<typeof sql>): Promise<{ id: string; type: PostType; n: number } | null> {
  const locked = await one<{ id: string; type: PostType }>(tx, sql`SELECT p.id, p.type FROM posts p WHERE ${where} FOR UPDATE`);
  if (!locked) return null;
  const count = await one<{ n: number }>(tx, sql`SELECT count(*)::int AS n FROM post_media WHERE post_id = ${locked.id}`);
  return { ...locked, n: count!.n };
}

/** May media of this kind (and length) be attached to this post, and at which position? */
async function attachablePost(tx: DbOrTx, userId: string, postId: string, kind: MediaKind, durationSeconds: number | null): Promise<number> {
  const post = await lockPostCountingMedia(tx, sql`p.id = ${postId} AND p.user_id = ${userId} AND p.deleted_at IS NULL`);
  if (!post) throw new AppError("NOT_FOUND", "Post not found");
  const rule = MEDIA_RULES[post.type as keyof typeof MEDIA_RULES];
  if (!rule || !rule.kinds.includes(kind)) {
    throw new AppError("BAD_REQUEST", `A ${post.type} post does not take ${kind} media`, { field: "postId" });
  }
  if (post.n >= rule.max) throw new AppError("BAD_REQUEST", `A ${post.type} post takes at most ${rule.max} media item(s)`, { field: "postId" });
  const tooLong = durationProblem(kind, durationSeconds, post.type);
  if (tooLong) {
    throw new AppError("BAD_REQUEST", tooLong.message, {
      field: "durationSeconds", appCode: "DURATION_OUT_OF_RANGE", details: { durationSeconds, minSeconds: tooLong.min, maxSeconds: tooLong.max },
    });
  }
  return post.n;
}

export async function confirmUpload(
  db: Db,
  media: MediaStore,
  userId: string,
  input: { uploadId: string; postId?: string; width?: number; height?: number; durationSeconds?: number },
): Promise<UploadView> {
  const upload = await loadUpload(db, userId, input.uploadId);
  // Idempotent: a second confirm returns what the first produced.
  if (upload.status === "confirmed" || upload.status === "attached") return uploadView(upload);
  if (upload.status !== "pending") {
    throw new AppError("BAD_REQUEST", "This upload was refused or has expired; start a new one", { appCode: "UPLOAD_CLOSED" });
  }
  if (upload.expired) {
    await reject(db, media, upload, "expired", new AppError("BAD_REQUEST", "This upload has expired; start a new one", { appCode: "UPLOAD_EXPIRED" }));
  }
  const head = await media.head(upload.file_key);
  if (!head) throw new AppError("BAD_REQUEST", "Nothing was uploaded for this upload yet", { appCode: "UPLOAD_MISSING" });
  const declared = Number(upload.size_bytes);
  if (head.size <= 0 || head.size > declared) {
    await reject(db, media, upload, "rejected", new AppError("BAD_REQUEST", `The file is ${head.size} bytes, not the ${declared} declared`, {
      appCode: "SIZE_MISMATCH", details: { declaredBytes: declared, actualBytes: head.size },
    }));
  }
  // The stored Content-Type is what the CDN will serve: it must be the declared one (S3 enforces the
  // signed header; s3rver does not, so check it here rather than serve e.g. text/html).
  const storedType = head.contentType?.split(";")[0]!.trim().toLowerCase() ?? null;
  if (storedType !== upload.mime_type) {
    await reject(db, media, upload, "rejected", new AppError("BAD_REQUEST", `The file was stored as ${storedType ?? "no type"}, not ${upload.mime_type}`, {
      appCode: "TYPE_MISMATCH", details: { declared: upload.mime_type, stored: storedType },
    }));
  }
  const rule = MIME_RULES[upload.mime_type]!;
  const sniffed = await sniffMime(await media.readStart(upload.file_key, Math.min(SNIFF_BYTES, head.size)));
  if (!sniffed || !rule.sniffedAs.includes(sniffed)) {
    await reject(db, media, upload, "rejected", new AppError("BAD_REQUEST", `The file is not ${upload.mime_type}`, {
      appCode: "TYPE_MISMATCH", details: { declared: upload.mime_type, detected: sniffed },
    }));
  }

  // Width, height and duration are what the server reads from the file; the client's are ignored.
  let width: number | null = null;
  let height: number | null = null;
  let durationSeconds: number | null = null;
  let thumbnailUrl: string | null = null;
  if (rule.kind === "image" || rule.kind === "gif") {
    const facts = await inspectImage(await media.read(upload.file_key));
    if (!facts) {
      await reject(db, media, upload, "rejected", new AppError("BAD_REQUEST", "The image cannot be decoded", { appCode: "TYPE_MISMATCH" }));
    }
    width = facts!.width;
    height = facts!.height;
    const thumbKey = thumbnailKey(upload.file_key);
    await media.put(thumbKey, facts!.thumbnail, "image/webp");
    thumbnailUrl = media.publicUrl(thumbKey);
  } else {
    // The whole file (at most the rule's maximum: the declared size was checked against it, and the
    // stored one against the declared): an MP4's moov box may sit at its end.
    const facts = await inspectAudioVideo(await media.read(upload.file_key), rule.kind, upload.mime_type);
    if (!facts) {
      await reject(db, media, upload, "rejected", new AppError("BAD_REQUEST", `The file cannot be read as ${upload.mime_type}`, {
        appCode: "TYPE_MISMATCH", details: { declared: upload.mime_type },
      }));
    }
    durationSeconds = wholeSeconds(facts!.duration);
    width = facts!.width;
    height = facts!.height;
    const bad = durationProblem(rule.kind, durationSeconds);
    if (bad) {
      await reject(db, media, upload, "rejected", new AppError("BAD_REQUEST", bad.message, {
        field: "durationSeconds", appCode: "DURATION_OUT_OF_RANGE", details: { durationSeconds, minSeconds: bad.min, maxSeconds: bad.max },
      }));
    }
  }
  const fileUrl = media.publicUrl(upload.file_key);

  const confirmed = await transaction(db, async (tx) => {
    const current = await loadUpload(tx, userId, upload.id, true);
    if (current.status !== "pending") return current; // a racing confirm won; same answer
    const order = input.postId ? await attachablePost(tx, userId, input.postId, rule.kind, durationSeconds) : null;
    await tx.execute(sql`
      UPDATE upload_reservations SET status = 'confirmed', confirmed_at = NOW(), size_bytes = ${head.size}, file_url = ${fileUrl},
        width = ${width}, height = ${height}, duration_seconds = ${durationSeconds}, thumbnail_url = ${thumbnailUrl}
      WHERE id = ${upload.id}`);
    if (input.postId) {
      // The storage trigger on post_media moves the bytes into storage_usage in this transaction.
      await tx.execute(sql`
        WITH media AS (
          INSERT INTO post_media (post_id, user_id, type, file_url, file_size_bytes, mime_type, width, height, duration_seconds, thumbnail_url, display_order)
          VALUES (${input.postId}, ${userId}, ${rule.kind}, ${fileUrl}, ${head.size}, ${upload.mime_type}, ${width}, ${height},
                  ${durationSeconds}, ${thumbnailUrl}, ${order})
          RETURNING id)
        UPDATE upload_reservations SET status = 'attached', attached_at = NOW(), media_id = (SELECT id FROM media) WHERE id = ${upload.id}`);
      await refreshPostMedia(tx, input.postId);
      await checkStorageWarnings(tx, userId);
    }
    return loadUpload(tx, userId, upload.id);
  });
  return uploadView(confirmed);
}

/**
 * By `mediaId` (a post media item, post.media[].id) or `uploadId` (any of the caller's uploads:
 * unattached, or attached — then the item it became). Owner only: removes the object (and thumbnail) and the row; usage drops through the trigger. A
 * post's last media item is refused (CONFLICT LAST_MEDIA_OF_POST): a media post never stands with no
 * media; deleting the post itself (post.delete) is the way to remove it.
 */
export async function deleteMedia(db: Db, media: MediaStore, userId: string, input: { mediaId?: string; uploadId?: string }) {
  const keys = await transaction(db, async (tx) => {
    // An upload id works from createUpload on: once attached, it names the post media item it became.
    let mediaId = input.mediaId;
    if (input.uploadId) {
      const upload = await one<{ status: string; media_id: string | null }>(tx, sql`
        SELECT status, media_id FROM upload_reservations WHERE id = ${input.uploadId} AND user_id = ${userId}`);
      if (upload?.status === "attached") {
        if (!upload.media_id) throw new AppError("NOT_FOUND", "Upload not found");
        mediaId = upload.media_id;
      }
    }
    if (mediaId) {
      const post = await lockPostCountingMedia(tx, sql`p.id = (SELECT m.post_id FROM post_media m WHERE m.id = ${mediaId} AND m.user_id = ${userId})`);
      if (!post) throw new AppError("NOT_FOUND", "Media not found");
      if (post.n <= 1) {
        throw new AppError("CONFLICT", "This is the post's only media item: delete the post instead, or add another item first", {
          appCode: "LAST_MEDIA_OF_POST", details: { postId: post.id, postType: post.type },
        });
      }
      const row = await one<{ file_url: string; thumbnail_url: string | null; post_id: string }>(tx, sql`
        DELETE FROM post_media WHERE id = ${mediaId} AND user_id = ${userId} RETURNING file_url, thumbnail_url, post_id`);
      if (!row) throw new AppError("NOT_FOUND", "Media not found");
      await refreshPostMedia(tx, row.post_id);
      await tx.execute(sql`DELETE FROM upload_reservations WHERE media_id IS NULL AND status = 'attached' AND user_id = ${userId}
                           AND file_url = ${row.file_url}`);
      return [row.file_url, row.thumbnail_url].flatMap((u) => (u ? [media.keyOfUrl(u)] : [])).filter((k): k is string => k !== null);
    }
    const row = await one<{ file_key: string }>(tx, sql`
      DELETE FROM upload_reservations WHERE id = ${input.uploadId!} AND user_id = ${userId} AND status <> 'attached' RETURNING file_key`);
    if (!row) throw new AppError("NOT_FOUND", "Upload not found");
    return [row.file_key, thumbnailKey(row.file_key)];
  });
  // After commit: a failed object delete leaves an orphan for the cleanup job, never a dangling row.
  for (const key of keys) await media.delete(key).catch(() => {});
  await checkStorageWarnings(db, userId);
  return { deleted: true as const };
}

/** A profile background must be one of the caller's own confirmed uploads of the right kind. */
export async function requireOwnMediaUrl(db: DbOrTx, userId: string, url: string, kinds: string[]): Promise<void> {
  const row = await one<{ id: string }>(db, sql`
    SELECT id FROM upload_reservations
    WHERE user_id = ${userId} AND file_url = ${url} AND status IN ('confirmed', 'attached')
      AND media_type IN (${sql.join(kinds.map((k) => sql`${k}`), sql`, `)})
    LIMIT 1`);
  if (!row) throw new AppError("BAD_REQUEST", "value must be the URL of one of your own uploaded media", { field: "value", appCode: "NOT_YOUR_MEDIA" });
}
