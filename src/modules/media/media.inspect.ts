// What the server learns from the stored bytes themselves, trusting nothing the client said:
// the real type (file-type sniffs magic bytes); for images the real size and a thumbnail (sharp);
// for audio and video the real duration, and a video's frame size (music-metadata, which reads
// the containers we allow: MP4/QuickTime boxes, Matroska/WebM, MPEG audio, RIFF/WAVE, Ogg).
import { fileTypeFromBuffer } from "file-type";
import { parseBuffer } from "music-metadata";
import sharp from "sharp";
import { MAX_DIMENSION } from "./media.rules";

/** file-type needs at most this many leading bytes. */
export const SNIFF_BYTES = 4_100;

export async function sniffMime(head: Uint8Array): Promise<string | null> {
  const detected = await fileTypeFromBuffer(head);
  return detected?.mime ?? null;
}

export interface ImageFacts {
  width: number;
  height: number;
  thumbnail: Uint8Array;
}

/** Real dimensions and a ≤ 400 px WebP thumbnail; null if sharp cannot decode it (then it is refused). */
export async function inspectImage(bytes: Uint8Array): Promise<ImageFacts | null> {
  try {
    // limitInputPixels guards against decompression bombs.
    const image = sharp(bytes, { limitInputPixels: 100_000_000, animated: false });
    const meta = await image.metadata();
    if (!meta.width || !meta.height) return null;
    const thumbnail = await image.rotate().resize({ width: 400, height: 400, fit: "inside", withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
    return { width: meta.width, height: meta.height, thumbnail: new Uint8Array(thumbnail) };
  } catch {
    return null;
  }
}

export interface AudioVideoFacts {
  /** Exact length in seconds, as the container says (or, for MPEG audio, as its frames add up). */
  duration: number;
  /** A video's frame size when the container gives it (null for audio, or a QuickTime file music-metadata cannot size). */
  width: number | null;
  height: number | null;
}

const dimension = (n: number | undefined) => (n !== undefined && Number.isInteger(n) && n >= 1 && n <= MAX_DIMENSION ? n : null);

/**
 * Reads a whole audio or video file the way a player would find its length. Null — and the upload is
 * refused — when the container cannot be parsed, has no track of the claimed kind (an audio-only MP4
 * sent as video, a video sent as audio), or gives no finite length. A length of 0 (a WAV without
 * samples) is returned as 0: durationProblem refuses it with the duration's own error. Only the
 * container is read, not every frame: a file cut short after its headers still has the header's
 * length.
 */
export async function inspectAudioVideo(bytes: Uint8Array, kind: "audio" | "video", mimeType: string): Promise<AudioVideoFacts | null> {
  try {
    const { format } = await parseBuffer(bytes, { mimeType, size: bytes.length }, { duration: true, skipCovers: true });
    const tracks = format.trackInfo ?? [];
    if (kind === "video" && !format.hasVideo) return null;
    // An audio stream without a sample rate (a WAV whose fmt chunk is garbage) cannot be played.
    if (kind === "audio" && (!format.hasAudio || format.hasVideo || !(format.sampleRate && format.sampleRate > 0))) return null;
    // A video-only MP4 has no format duration; its tracks still carry theirs (mdhd).
    const duration = format.duration ?? Math.max(0, ...tracks.map((t) => t.duration ?? 0));
    if (!Number.isFinite(duration) || duration < 0) return null;
    const picture = kind === "video" ? tracks.find((t) => t.video?.pixelWidth && t.video.pixelHeight)?.video : undefined;
    const width = dimension(picture?.pixelWidth);
    const height = dimension(picture?.pixelHeight);
    return { duration, width: width && height ? width : null, height: width && height ? height : null };
  } catch {
    return null;
  }
}
