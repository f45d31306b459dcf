// What media procedures answer. `uploadId` names an upload from createUpload on (confirmUpload,
// post.create's `uploadIds`, media.delete); `mediaId` is the post media item it became once
// attached to a post (post.media[].id), null until then.
import { z } from "zod";
import { outDate, outId } from "../common/common.output";
import { mediaKindSchema } from "../post/post.output";

export const createUploadOutput = z.object({
  uploadId: outId,
  uploadUrl: z.string(),
  method: z.literal("PUT"),
  /** Send exactly these headers with the PUT (they are signed). */
  headers: z.record(z.string(), z.string()),
  fileKey: z.string(),
  expiresAt: outDate,
  reservationExpiresAt: outDate,
});

export const UPLOAD_STATUSES = ["pending", "confirmed", "attached", "expired", "rejected"] as const;

export const uploadSchema = z.object({
  uploadId: outId,
  mediaId: outId.nullable(),
  status: z.enum(UPLOAD_STATUSES),
  purpose: z.enum(["post", "profile"]),
  type: mediaKindSchema,
  mimeType: z.string(),
  sizeBytes: z.number().int(),
  url: z.string().nullable(),
  thumbnailUrl: z.string().nullable(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  durationSeconds: z.number().int().nullable(),
});
