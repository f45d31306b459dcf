import { z } from "zod";
import { idSchema } from "../../lib/pagination";
import { ALLOWED_MIME_TYPES, MAX_DIMENSION, MAX_DURATION_SECONDS } from "./media.rules";

export const createUploadInput = z
  .object({
    fileName: z.string().trim().min(1).max(255),
    mimeType: z.string().trim().toLowerCase().refine((m) => ALLOWED_MIME_TYPES.includes(m), {
      message: `Unsupported file type (allowed: ${ALLOWED_MIME_TYPES.join(", ")})`,
    }),
    sizeBytes: z.number().int().min(1, "sizeBytes must be positive").max(Number.MAX_SAFE_INTEGER),
    purpose: z.enum(["post", "profile"]).default("post"),
  })
  .strict();

export const confirmUploadInput = z
  .object({
    uploadId: idSchema,
    postId: idSchema.optional(),
    width: z.number().int().min(1).max(MAX_DIMENSION).optional(),
    height: z.number().int().min(1).max(MAX_DIMENSION).optional(),
    durationSeconds: z.number().int().min(1).max(MAX_DURATION_SECONDS).optional(),
  })
  .strict();

/**
 * `uploadId` names an upload from media.createUpload on (confirmUpload, post.create's `uploadIds`,
 * and here — attached or not); `mediaId` names an item of a post (post.media[].id, confirmUpload's
 * `mediaId` once attached).
 */
export const deleteMediaInput = z
  .object({ mediaId: idSchema.optional(), uploadId: idSchema.optional() })
  .strict()
  .refine((v) => (v.mediaId === undefined) !== (v.uploadId === undefined), "Give exactly one of mediaId and uploadId");
