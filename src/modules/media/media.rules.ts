// The spec's media allow-lists and per-type maxima, and what a sniffed file may be for each
// declared type.
export type MediaKind = "image" | "gif" | "video" | "audio";

export interface MimeRule {
  kind: MediaKind;
  ext: string;
  maxBytes: number;
  /** MIME types file-type may report for a genuine file of this declared type. */
  sniffedAs: string[];
}

const MB = 1024 * 1024;
export const MAX_IMAGE_SIZE = 10 * MB;
export const MAX_VIDEO_SIZE = 100 * MB;
export const MAX_AUDIO_SIZE = 20 * MB;

export const MIME_RULES: Record<string, MimeRule> = {
  "image/jpeg": { kind: "image", ext: "jpg", maxBytes: MAX_IMAGE_SIZE, sniffedAs: ["image/jpeg"] },
  "image/png": { kind: "image", ext: "png", maxBytes: MAX_IMAGE_SIZE, sniffedAs: ["image/png"] },
  "image/webp": { kind: "image", ext: "webp", maxBytes: MAX_IMAGE_SIZE, sniffedAs: ["image/webp"] },
  "image/gif": { kind: "gif", ext: "gif", maxBytes: MAX_IMAGE_SIZE, sniffedAs: ["image/gif"] },
  "video/mp4": { kind: "video", ext: "mp4", maxBytes: MAX_VIDEO_SIZE, sniffedAs: ["video/mp4", "video/x-m4v"] },
  "video/webm": { kind: "video", ext: "webm", maxBytes: MAX_VIDEO_SIZE, sniffedAs: ["video/webm"] },
  "video/quicktime": { kind: "video", ext: "mov", maxBytes: MAX_VIDEO_SIZE, sniffedAs: ["video/quicktime"] },
  "audio/mpeg": { kind: "audio", ext: "mp3", maxBytes: MAX_AUDIO_SIZE, sniffedAs: ["audio/mpeg"] },
  "audio/wav": { kind: "audio", ext: "wav", maxBytes: MAX_AUDIO_SIZE, sniffedAs: ["audio/wav", "audio/vnd.wave", "audio/x-wav"] },
  "audio/ogg": { kind: "audio", ext: "ogg", maxBytes: MAX_AUDIO_SIZE, sniffedAs: ["audio/ogg", "audio/opus", "audio/ogg; codecs=opus"] },
};

export const ALLOWED_MIME_TYPES = Object.keys(MIME_RULES);

/** Sane ranges for client-given metadata of video and audio (we do not decode those). */
export const MAX_DIMENSION = 16_384;
export const MAX_DURATION_SECONDS = 24 * 3600;

/** users/{userId}/posts/{uuid}.{ext} (spec layout), or users/{userId}/profile/{uuid}.{ext}. */
export function objectKey(userId: string, purpose: "post" | "profile", uuid: string, ext: string): string {
  return `users/${userId}/${purpose === "post" ? "posts" : "profile"}/${uuid}.${ext}`;
}

/** The thumbnail written beside an object: …/thumbnails/{uuid}_thumb.webp (spec layout). */
export function thumbnailKey(fileKey: string): string {
  const slash = fileKey.lastIndexOf("/");
  const name = fileKey.slice(slash + 1).replace(/\.[^.]+$/, "");
  return `${fileKey.slice(0, slash)}/thumbnails/${name}_thumb.webp`;
}
