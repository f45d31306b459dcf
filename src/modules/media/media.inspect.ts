// What the server learns from the stored bytes themselves, trusting nothing the client said:
// the real type (file-type sniffs magic bytes) and, for images, the real size and a thumbnail (sharp).
import { fileTypeFromBuffer } from "file-type";
import sharp from "sharp";

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
