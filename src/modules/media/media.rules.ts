// The spec's media allow-lists and per-type maxima, and what a sniffed file may be for each
// declared type.
export const MEDIA_KINDS = ["image", "gif", "video", "audio"] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];

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

/** Range of the width/height a client may send (validated, then replaced by what the server reads). */
export const MAX_DIMENSION = 16_384;
/** Longest video or audio file accepted (whatever the post type). */
export const MAX_DURATION_SECONDS = 24 * 3600;
/** A `video_short` post takes a video of at most this many seconds (the short-form convention). */
export const MAX_SHORT_VIDEO_SECONDS = 60;

/**
 * Durations are stored as whole seconds: rounded, and at least 1 for anything that plays at all
 * (a 0.4 s clip is 1 s, never 0). Always what the server read from the file.
 */
export const wholeSeconds = (seconds: number): number => (Number.isFinite(seconds) && seconds > 0 ? Math.max(1, Math.round(seconds)) : 0);

export interface DurationProblem {
  message: string;
  min: number;
  max: number;
}

/** Why a `kind` file of this many whole seconds is refused (for any post, or for a post of `postType`), or null. */
export function durationProblem(kind: MediaKind, seconds: number | null, postType?: string): DurationProblem | null {
  if (kind !== "video" && kind !== "audio") return null;
  if (seconds === null || !Number.isFinite(seconds) || seconds < 1) {
    return { message: `The ${kind} has no playable length`, min: 1, max: MAX_DURATION_SECONDS };
  }
  if (seconds > MAX_DURATION_SECONDS) {
    return { message: `A ${kind} is at most ${MAX_DURATION_SECONDS / 3600} hours long`, min: 1, max: MAX_DURATION_SECONDS };
  }
  if (postType === "video_short" && seconds > MAX_SHORT_VIDEO_SECONDS) {
    return { message: `A video_short post takes a video of at most ${MAX_SHORT_VIDEO_SECONDS} seconds; use video_long`, min: 1, max: MAX_SHORT_VIDEO_SECONDS };
  }
  return null;
}

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
